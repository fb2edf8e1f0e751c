using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Bench;

/// <summary>
/// A device that does only the model-update part of the protocol, as cheaply as it can, for the OTA
/// benchmark: it takes the offer, fetches chunks a window at a time, hashes them in order, and reports
/// the version active once the hash matches the signed one. It keeps no file, so a thousand fit in memory.
/// </summary>
public sealed class OtaDevice(string id, int port, int window) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Dictionary<int, byte[]> _early = [];
    private readonly Lock _lock = new();
    private ModelOffer? _offer;
    private int _nextToHash;
    private int _nextToAsk;
    private int _outstanding;
    private long _lastProgress = Environment.TickCount64;

    public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id => id;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            OnMessage(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(id).WithTimeout(TimeSpan.FromSeconds(30)).Build(), cancellationToken);
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(DeviceTopics.DownlinkFilter(id)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.TryDisconnectAsync();
        _client.Dispose();
        _hash.Dispose();
    }

    private void OnMessage(MqttApplicationMessage message)
    {
        var topic = message.Topic;
        if (topic == DeviceTopics.ModelOffer(id))
        {
            lock (_lock)
            {
                if (_offer is not null)
                {
                    return;
                }

                _offer = JsonSerializer.Deserialize(message.Payload.ToArray(), ProtocolJson.Wire.ModelOffer)!;
            }

            // The receive loop must not wait on our own publishes' acknowledgements.
            _ = Task.Run(() => AskAsync(window));
            _ = Task.Run(WatchAsync);
            return;
        }

        if (_offer is null || !topic.StartsWith($"devices/{id}/down/model/chunk/", StringComparison.Ordinal))
        {
            return;
        }

        var index = int.Parse(topic.AsSpan(topic.LastIndexOf('/') + 1), CultureInfo.InvariantCulture);
        int ask;
        lock (_lock)
        {
            if (index < _nextToHash || _early.ContainsKey(index))
            {
                // A repeat of a chunk that came after all, following a retry.
                return;
            }

            _early[index] = message.Payload.ToArray();
            while (_early.Remove(_nextToHash, out var chunk))
            {
                _hash.AppendData(chunk);
                _nextToHash++;
            }

            _outstanding--;
            _lastProgress = Environment.TickCount64;
            ask = _outstanding == 0 ? window : 0;
        }

        if (_nextToHash == _offer.Chunks)
        {
            _ = Task.Run(FinishAsync);
        }
        else if (ask > 0)
        {
            _ = Task.Run(() => AskAsync(ask));
        }
    }

    private async Task AskAsync(int count)
    {
        List<int> indexes;
        lock (_lock)
        {
            indexes = [.. Enumerable.Range(_nextToAsk, Math.Min(count, _offer!.Chunks - _nextToAsk))];
            _nextToAsk += indexes.Count;
            _outstanding += indexes.Count;
        }

        await FetchAsync(indexes);
    }

    private async Task FetchAsync(List<int> indexes)
    {
        if (indexes.Count == 0)
        {
            return;
        }

        var fetch = new ModelFetch(_offer!.Sha256, _offer.ChunkSize, indexes);
        try
        {
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(DeviceTopics.ModelFetch(id))
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(fetch, ProtocolJson.Wire.ModelFetch))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Timed out under load: the watchdog asks again.
        }
    }

    /// <summary>As the edge agent does: chunks asked for and not come within a few seconds are asked for again.</summary>
    private async Task WatchAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (!Done.Task.IsCompleted && await timer.WaitForNextTickAsync())
        {
            List<int> missing;
            lock (_lock)
            {
                if (Environment.TickCount64 - _lastProgress < 5000 || _outstanding == 0)
                {
                    continue;
                }

                missing = [.. Enumerable.Range(_nextToHash, _nextToAsk - _nextToHash).Where(i => !_early.ContainsKey(i))];
                _lastProgress = Environment.TickCount64;
            }

            await FetchAsync(missing);
        }
    }

    private async Task FinishAsync()
    {
        var offer = _offer!;
        var hash = Convert.ToHexStringLower(_hash.GetHashAndReset());
        var state = hash == offer.Sha256 ? ModelUpdateStates.Active : ModelUpdateStates.Failed;
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(DeviceTopics.ModelStatus(id))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(new ModelStatusReport(offer.Name, offer.Version, state), ProtocolJson.Wire.ModelStatusReport))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        if (state == ModelUpdateStates.Active)
        {
            Done.TrySetResult(offer.Size);
        }
        else
        {
            Done.TrySetException(new InvalidDataException($"{id} received a model whose SHA-256 is {hash}, not {offer.Sha256}"));
        }
    }
}

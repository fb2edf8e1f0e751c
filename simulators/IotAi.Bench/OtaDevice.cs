using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Bench;

/// <summary>
/// A device that does only the model-update part of the protocol, as cheaply as it can, for the OTA benchmark: it
/// takes the offer, fetches chunks a window at a time as the edge agent does (<see cref="ModelTransfer"/>), hashes
/// them in order, and reports the version active once the hash matches the signed one. It keeps no file, so a
/// thousand fit in memory.
/// </summary>
public sealed class OtaDevice(string id, int port, int window) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Dictionary<int, byte[]> _early = [];
    private readonly string _chunkPrefix = DeviceTopics.ModelChunkPrefix(id);
    private readonly Lock _lock = new();
    private ModelTransfer? _transfer;
    private int _nextToHash;

    public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id => id;

    /// <summary>Where the device stands, for a run that does not finish: offered or not, and how many chunks it has hashed of how many.</summary>
    public (bool Offered, int Hashed, int Chunks) Progress
    {
        get
        {
            lock (_lock)
            {
                return (_transfer is not null, _nextToHash, _transfer?.Offer.Chunks ?? 0);
            }
        }
    }

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            OnMessage(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await _client.ConnectAsync(BenchClientOptions.For(port, id), cancellationToken);
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
        ModelFetch? next;
        if (topic == DeviceTopics.ModelOffer(id))
        {
            lock (_lock)
            {
                if (_transfer is not null)
                {
                    return;
                }

                _transfer = ModelTransfer.Whole(JsonSerializer.Deserialize(message.Payload.ToArray(), ProtocolJson.Wire.ModelOffer)!, window);
                next = _transfer.Next();
            }

            // The receive loop must not wait on our own publishes' acknowledgements.
            _ = Task.Run(() => FetchAsync(next));
            _ = Task.Run(WatchAsync);
            return;
        }

        if (_transfer is not { } transfer || !DeviceTopics.TryParseModelChunk(topic, _chunkPrefix, out var sha256, out var index))
        {
            return;
        }

        bool complete;
        lock (_lock)
        {
            if (transfer.Arrived(sha256, index, (int)message.Payload.Length) != ChunkArrival.Taken)
            {
                return;
            }

            _early[index] = message.Payload.ToArray();
            while (_early.Remove(_nextToHash, out var chunk))
            {
                _hash.AppendData(chunk);
                _nextToHash++;
            }

            complete = transfer.IsComplete;
            next = transfer.Next();
        }

        if (complete)
        {
            _ = Task.Run(FinishAsync);
        }
        else if (next is not null)
        {
            _ = Task.Run(() => FetchAsync(next));
        }
    }

    /// <summary>How often a device sends its report again before it gives up (each try waits the client's 30 s).</summary>
    private const int MaxReportRetries = 5;

    /// <summary>Status reports sent again because the silo did not acknowledge them in time.</summary>
    public int ReportsRetried { get; private set; }

    private async Task FetchAsync(ModelFetch? fetch)
    {
        if (fetch is null)
        {
            return;
        }

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
        using var timer = new PeriodicTimer(ModelTransfer.DefaultStaleAfter);
        while (!Done.Task.IsCompleted && await timer.WaitForNextTickAsync())
        {
            ModelFetch? again;
            lock (_lock)
            {
                again = _transfer!.Stale();
            }

            await FetchAsync(again);
        }
    }

    private async Task FinishAsync()
    {
        var offer = _transfer!.Offer;
        var hash = Convert.ToHexStringLower(_hash.GetHashAndReset());
        var state = hash == offer.Sha256 ? ModelUpdateStates.Active : ModelUpdateStates.Failed;
        var report = new MqttApplicationMessageBuilder().WithTopic(DeviceTopics.ModelStatus(id))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(new ModelStatusReport(offer.Name, offer.Version, state), ProtocolJson.Wire.ModelStatusReport))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        // As the edge agent does, a report that was not acknowledged in time is sent again: given up, the device would
        // never count as done and the run would wait out its deadline.
        // A device whose connection is gone stays undone, and the run's failure says so; it does not spin on sending.
        for (var sent = false; !sent;)
        {
            try
            {
                await _client.PublishAsync(report);
                sent = true;
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException) when (_client.IsConnected && ReportsRetried < MaxReportRetries)
            {
                ReportsRetried++;
            }
        }

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

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace IotAi.Cluster.Tests;

/// <summary>
/// A device behind a load balancer: it connects to one silo and, when that connection is lost or the silo sends it
/// away, to the next silo that takes it. It sends readings one after another, each again until a silo acknowledges
/// it (QoS 1), so every reading it counts as sent is one the cluster said it kept.
/// </summary>
internal sealed class ClusterDevice : IAsyncDisposable
{
    /// <summary>Longer than a silo's own uplink timeout (30 s), so the device hears a silo's refusal rather than giving up first.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);
    // A client per connection: reusing one across a lost connection and a quick reconnect can leave the new
    // connection's acknowledgements to the old one's teardown.
    private IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly IReadOnlyList<int> _ports;
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Completed when the client reports the connection it had lost, and then made anew for the next.
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _portIndex;
    private long _disconnectedAt;
    private long _acknowledged;
    private int _refusals;
    private int _timeouts;

    private ClusterDevice(string id, IReadOnlyList<int> ports, int preferred)
    {
        (Id, _ports, _portIndex) = (id, ports, preferred);
    }

    public string Id { get; }

    /// <summary>The MQTT port of the silo the device is connected to now, or 0 between connections.</summary>
    public int Port => _client.IsConnected ? _ports[Volatile.Read(ref _portIndex)] : 0;

    /// <summary>The last reading a silo acknowledged; readings are numbered from 1 and sent in order.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Publishes a silo answered with anything but success: a reading it did not keep, to be sent again.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>Publishes no acknowledgement came for within the device's patience (40 s): a reading to be sent again.</summary>
    public int Timeouts => Volatile.Read(ref _timeouts);

    /// <summary>What each publish that threw threw, by exception type: a reading to be sent again.</summary>
    public ConcurrentQueue<string> PublishExceptions { get; } = new();

    /// <summary>What each failed attempt to connect or subscribe ended with, refused or thrown: the device tries again.</summary>
    public ConcurrentQueue<string> ConnectFailures { get; } = new();

    /// <summary>When each reading was acknowledged (<see cref="Stopwatch"/> timestamps), in order.</summary>
    public ConcurrentQueue<long> AcknowledgedAt { get; } = new();

    /// <summary>How long after <paramref name="since"/> (a <see cref="Stopwatch"/> timestamp) the first acknowledgement came, if one did.</summary>
    public TimeSpan? FirstAcknowledgedAfter(long since) => AcknowledgedAt.Where(t => t > since).Select(t => Stopwatch.GetElapsedTime(since, t)).Cast<TimeSpan?>().FirstOrDefault();

    /// <summary>The readings the cloud answered with a result, by number.</summary>
    public ConcurrentDictionary<long, string> Results { get; } = new();

    /// <summary>Desired properties the cloud pushed to the device.</summary>
    public ConcurrentQueue<string> Desired { get; } = new();

    /// <summary>Error replies the cloud sent the device.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>How long each lost connection took to come back, on another silo.</summary>
    public ConcurrentQueue<TimeSpan> Reconnections { get; } = new();

    /// <summary>How the device's connections ended: the MQTT 5 reason each silo gave, or that the link just broke.</summary>
    public ConcurrentQueue<string> Goodbyes { get; } = new();

    public static async Task<ClusterDevice> ConnectAsync(string id, IReadOnlyList<int> ports, int preferred)
    {
        var device = new ClusterDevice(id, ports, preferred);
        await device.ConnectSomewhereAsync();
        return device;
    }

    /// <summary>Sends readings until <paramref name="stop"/>, each one again until a silo acknowledges it.</summary>
    /// <param name="stop">Ends the sending.</param>
    /// <param name="interval">The pause between readings; 20 ms unless given.</param>
    public async Task SendAsync(CancellationToken stop, TimeSpan? interval = null)
    {
        using var pace = new PeriodicTimer(interval ?? TimeSpan.FromMilliseconds(20));
        while (!stop.IsCancellationRequested)
        {
            var seq = Acknowledged + 1;
            if (await TrySendAsync(seq, stop))
            {
                Interlocked.Exchange(ref _acknowledged, seq);
                AcknowledgedAt.Enqueue(Stopwatch.GetTimestamp());
            }

            await pace.WaitForNextTickAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _closing.Dispose();
        _connecting.Dispose();
    }

    private async Task<bool> TrySendAsync(long seq, CancellationToken stop)
    {
        // Taken together, so a loss reported before the publish is one it waits out, not one it waits for.
        var (connected, lost) = (_connected, _lost);
        try
        {
            await connected.Task.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        var message = new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Telemetry(Id))
            .WithPayload(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $$$"""{"values":{"temperature":{{{40 + (seq % 50)}}},"vibration":0.3,"current":10}}""")))
            .WithUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            var published = await _client.PublishAsync(message, timeout.Token);
            if (published.ReasonCode == MqttClientPublishReasonCode.Success)
            {
                return true;
            }

            Interlocked.Increment(ref _refusals);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Interlocked.Increment(ref _timeouts);
        }
#pragma warning disable CA1031 // Whatever the client throws (not connected, disposed), the reading goes again; the tests count it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The connection went while the reading was on its way; the reconnection sends it again. Not before the client
            // reports the loss, however late a busy machine has it do so: one lost connection costs one failed publish.
            PublishExceptions.Enqueue(ex.GetType().Name);
            await lost.Task.WaitAsync(Patience, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return false;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.ConvertPayloadToString();
        if (topic == DeviceTopics.Result(Id))
        {
            var result = System.Text.Json.JsonSerializer.Deserialize(payload, ProtocolJson.Wire.InferenceResult);
            if (result?.Seq is long seq)
            {
                Results[seq] = result.Label;
            }
        }
        else if (topic == DeviceTopics.Error(Id))
        {
            Errors.Enqueue(payload);
        }
        else if (topic == DeviceTopics.Desired(Id))
        {
            Desired.Enqueue(payload);
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(IMqttClient client, MqttClientDisconnectedEventArgs e)
    {
        if (!ReferenceEquals(client, Volatile.Read(ref _client)))
        {
            return Task.CompletedTask;
        }

        Goodbyes.Enqueue(e.ReasonString ?? e.Reason.ToString());
        Interlocked.Exchange(ref _disconnectedAt, Stopwatch.GetTimestamp());
        _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = _lost;
        _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lost.TrySetResult();
        if (!_closing.IsCancellationRequested)
        {
            _ = Task.Run(ReconnectAsync);
        }

        return Task.CompletedTask;
    }

    private async Task ReconnectAsync()
    {
        await ConnectSomewhereAsync();
        Reconnections.Enqueue(Stopwatch.GetElapsedTime(Interlocked.Read(ref _disconnectedAt)));
    }

    /// <summary>
    /// Connects to the preferred silo, else the next that answers, as a load balancer would pick one that is up; a
    /// silo that goes while the device connects or subscribes is just one more that did not answer.
    /// </summary>
    private async Task ConnectSomewhereAsync()
    {
        await _connecting.WaitAsync(_closing.Token);
        try
        {
            using var retry = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            for (var attempt = 0; !_client.IsConnected; attempt++)
            {
                var index = (Volatile.Read(ref _portIndex) + attempt) % _ports.Count;
                if (await TryConnectAsync(_ports[index]))
                {
                    Volatile.Write(ref _portIndex, index);
                    break;
                }

                await retry.WaitForNextTickAsync(_closing.Token);
            }

            _connected.TrySetResult();
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<bool> TryConnectAsync(int port)
    {
        var options = new MqttClientOptionsBuilder()
            .WithEndPoint(new IPEndPoint(IPAddress.Loopback, port))
            .WithClientId(Id)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(2))
            .Build();
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        try
        {
            // A busy silo (three on two cores) can be slow to answer: wait as long as a device would.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
            timeout.CancelAfter(Patience);
            var connected = await client.ConnectAsync(options, timeout.Token);
            if (connected.ResultCode == MqttClientConnectResultCode.Success)
            {
                await client.SubscribeAsync(DeviceTopics.DownlinkFilter(Id), MqttQualityOfServiceLevel.AtLeastOnce, timeout.Token);
                client.DisconnectedAsync += e => OnDisconnectedAsync(client, e);
                Interlocked.Exchange(ref _client, client).Dispose();
                return client.IsConnected;
            }

            ConnectFailures.Enqueue($"{port} refused: {connected.ResultCode}");
        }
#pragma warning disable CA1031 // Whatever stopped this connection, the device tries this silo again or the next; the tests count it.
        catch (Exception ex) when (!_closing.IsCancellationRequested)
#pragma warning restore CA1031
        {
            ConnectFailures.Enqueue($"{port} {ex.GetType().Name}");
        }

        client.Dispose();
        return false;
    }
}

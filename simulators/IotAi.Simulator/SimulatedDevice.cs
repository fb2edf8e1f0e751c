using System.Text;
using IotAi.Protocol;
using IotAi.Simulator.Faults;
using IotAi.Simulator.Replay;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAi.Simulator;

/// <summary>
/// One simulated device: its own MQTT connection and in-flight table, and (from its first send) its seeded
/// generators. It sends on a fixed interval and learns its accuracy and latency from the replies on its down
/// topics; with faults on, it reconnects after a lost connection and sends again what was not answered.
/// </summary>
internal sealed partial class SimulatedDevice : IDisposable
{
    private static readonly MqttClientFactory ClientFactory = new();

    /// <summary>What the device says of itself on connect: it runs no model, so rollouts leave it to the cloud.</summary>
    private static readonly byte[] Reported = Encoding.UTF8.GetBytes($"{{\"{ReportedProperties.Ota}\":\"{ReportedProperties.NoModelUpdates}\"}}");

    private readonly FleetOptions _options;
    private readonly int _index;
    private readonly FleetStatistics _statistics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly DeviceLink _link;
    private readonly CsvReplay? _replay;
    private readonly PendingUplinks _pending = new();
    private readonly string _telemetryTopic;
    private readonly string _imageTopic;
    private readonly string _resultTopic;
    private readonly string _errorTopic;
    private UplinkComposer? _composer;
    private (DateTimeOffset From, DateTimeOffset Until)[] _pauses = [];
    private int _connected;
    private bool _closing;
    private bool _drifted;
    private long _sendingSince;

    public SimulatedDevice(int index, FleetOptions options, FleetStatistics statistics, TimeProvider time, ILogger logger, CsvReplay? replay, SlowLink? slowLink)
    {
        Id = options.DeviceId(index);
        _index = index;
        _options = options;
        _statistics = statistics;
        _time = time;
        _logger = logger;
        _replay = options.Replays(index) ? replay : null;
        _link = new DeviceLink(options.LocalAddress(index), slowLink, time);
        _telemetryTopic = DeviceTopics.Telemetry(Id);
        _imageTopic = DeviceTopics.Image(Id);
        _resultTopic = DeviceTopics.Result(Id);
        _errorTopic = DeviceTopics.Error(Id);
        _client = ClientFactory.CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public string Id { get; }

    private bool Reconnects => _options.Faults.Reconnects;

    private UplinkComposer Composer => _composer ??= new UplinkComposer(_index, _options);

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _closing = false;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithStreamProvider(_link)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithClientId(Id)
            .WithCredentials(_options.Secrets.TryGetValue(Id, out var secret) ? Id : null, secret)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart()
            .WithReceiveMaximum(_options.ReceiveMaximum)
            .Build();
        var connect = await _client.ConnectAsync(options, cancellationToken);
        if (connect.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"Device {Id} was refused by {_options.Host}:{_options.Port}: {connect.ResultCode} {connect.ReasonString}");
        }

        var subscription = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(DeviceTopics.DownlinkFilter(Id)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        if (_options.Answer == FleetAnswer.Echo)
        {
            subscription.WithTopicFilter(f => f.WithTopic(_telemetryTopic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .WithTopicFilter(f => f.WithTopic(_imageTopic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        var subscribe = await _client.SubscribeAsync(subscription.Build(), cancellationToken);
        if (subscribe.Items.FirstOrDefault(static i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2) is { } refused)
        {
            throw new InvalidOperationException($"Device {Id} may not subscribe to {refused.TopicFilter.Topic}: {refused.ResultCode}");
        }

        await _client.PublishAsync(ReportedMessage(), cancellationToken);
        if (Interlocked.Exchange(ref _connected, 1) == 0)
        {
            _statistics.DeviceConnected();
        }
    }

    /// <summary>Silences the device in these windows of the fleet's clock (<see cref="DevicePause"/>).</summary>
    public void PlanPauses(IEnumerable<(DateTimeOffset From, DateTimeOffset Until)> pauses) => _pauses = [.. _pauses, .. pauses];

    /// <summary>Cuts the connection as a network failure would (<see cref="DisconnectStorm"/>).</summary>
    public void Drop() => _link.Drop();

    /// <summary>Sends until the limit, the end of its replay, cancellation, or a lost connection it may not replace.</summary>
    /// <param name="startDelay">How long to wait before the first send.</param>
    /// <param name="sendingSince">When the fleet started sending (a timestamp of the fleet's clock), which the drift plan counts from.</param>
    /// <param name="cancellationToken">Stops the sending.</param>
    public async Task RunAsync(TimeSpan startDelay, long sendingSince, CancellationToken cancellationToken)
    {
        _sendingSince = sendingSince;
        var limit = Math.Min(_options.MessagesPerDevice ?? long.MaxValue, _replay?.Rows.Count ?? long.MaxValue);
        try
        {
            // Spread the first sends over one interval, so a fleet does not fire in lockstep.
            if (startDelay > TimeSpan.Zero)
            {
                await Task.Delay(startDelay, _time, cancellationToken);
            }

            using var timer = new PeriodicTimer(_options.TelemetryInterval, _time);
            var sent = 0L;
            while (sent < limit)
            {
                if (!_client.IsConnected && (!Reconnects || !await ReconnectAsync(cancellationToken)))
                {
                    break;
                }

                ExpireOlderThan(_options.ResultTimeout);
                var now = _time.GetUtcNow();
                if (IsPaused(now))
                {
                    _statistics.PausedTick();
                }
                else if (_pending.Count < _options.MaxInFlightPerDevice)
                {
                    await SendAsync(++sent, now);
                }
                else
                {
                    _statistics.Throttled();
                }

                if (sent == limit || !await timer.WaitForNextTickAsync(cancellationToken))
                {
                    break;
                }
            }

            await RecoverUnansweredAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run's end, not a failure.
        }
    }

    /// <summary>Counts every uplink still unanswered as timed out; the run calls this once it stops waiting.</summary>
    public void ExpireAll() => TimedOut(_pending.ExpireAll());

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        _closing = true;
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                cancellationToken);
        }

        MarkDisconnected();
    }

    public void Dispose()
    {
        _closing = true;
        MarkDisconnected();
        _client.Dispose();
        _composer?.Dispose();
    }

    private bool IsPaused(DateTimeOffset now)
    {
        foreach (var (from, until) in _pauses)
        {
            if (now >= from && now < until)
            {
                return true;
            }
        }

        return false;
    }

    private MqttApplicationMessage ReportedMessage() => new MqttApplicationMessageBuilder()
        .WithTopic(DeviceTopics.Reported(Id))
        .WithPayload(Reported)
        .WithContentType(ContentTypes.Json)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    /// <summary>Turns the device's world once the run's drift is due: from then on its readings and frames drift.</summary>
    private void DriftWhenDue()
    {
        var plan = _options.Drift;
        if (!_drifted && plan.IsDue(_time.GetElapsedTime(_sendingSince)))
        {
            Composer.Drift(plan);
            _drifted = true;
        }
    }
}

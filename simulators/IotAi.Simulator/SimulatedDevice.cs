using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAi.Simulator;

/// <summary>
/// One simulated device: its own MQTT connection, seeded generators and in-flight table. It sends on a fixed
/// interval and learns its accuracy and latency from the replies on its down topics.
/// </summary>
internal sealed partial class SimulatedDevice : IDisposable
{
    private static readonly MqttClientFactory ClientFactory = new();

    private readonly FleetOptions _options;
    private readonly int _index;
    private readonly FleetStatistics _statistics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly SensorSignal _signal;
    private readonly SyntheticCamera _camera;
    private readonly PendingUplinks _pending = new();
    private readonly string _telemetryTopic;
    private readonly string _imageTopic;
    private readonly string _resultTopic;
    private readonly string _errorTopic;

    // Reused for every telemetry payload: the previous publish has been acknowledged before the next is written.
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;
    private int _connected;
    private bool _closing;
    private bool _drifted;
    private long _sendingSince;

    public SimulatedDevice(int index, FleetOptions options, FleetStatistics statistics, TimeProvider time, ILogger logger)
    {
        Id = options.DeviceId(index);
        _index = index;
        _options = options;
        _statistics = statistics;
        _time = time;
        _logger = logger;
        _signal = new SensorSignal(options.Seed + index, options.AnomalyRate);
        _camera = new SyntheticCamera(options.Seed + index);
        _telemetryTopic = DeviceTopics.Telemetry(Id);
        _imageTopic = DeviceTopics.Image(Id);
        _resultTopic = DeviceTopics.Result(Id);
        _errorTopic = DeviceTopics.Error(Id);
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = ProtocolJson.Wire.Options.Encoder });
        _client = ClientFactory.CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public string Id { get; }

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithClientId(Id)
            .WithCredentials(_options.Secrets.TryGetValue(Id, out var secret) ? Id : null, secret)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart()
            .Build();
        if (_options.LocalAddress(_index) is { } local)
        {
            // Spread over loopback addresses: each has its own ephemeral ports, so the fleet can outgrow one address's.
            ((MqttClientTcpOptions)options.ChannelOptions).LocalEndpoint = new IPEndPoint(local, 0);
        }
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
        Interlocked.Exchange(ref _connected, 1);
        _statistics.DeviceConnected();
    }

    /// <summary>Sends until the limit, cancellation, or a lost connection (reconnecting is not simulated yet).</summary>
    /// <param name="startDelay">How long to wait before the first send.</param>
    /// <param name="sendingSince">When the fleet started sending (a timestamp of the fleet's clock), which the drift plan counts from.</param>
    /// <param name="cancellationToken">Stops the sending.</param>
    public async Task RunAsync(TimeSpan startDelay, long sendingSince, CancellationToken cancellationToken)
    {
        _sendingSince = sendingSince;
        try
        {
            // Spread the first sends over one interval, so a fleet does not fire in lockstep.
            if (startDelay > TimeSpan.Zero)
            {
                await Task.Delay(startDelay, _time, cancellationToken);
            }

            using var timer = new PeriodicTimer(_options.TelemetryInterval, _time);
            var sent = 0L;
            while (_client.IsConnected && (_options.MessagesPerDevice is not { } limit || sent < limit))
            {
                ExpireOlderThan(_options.ResultTimeout);
                if (_pending.Count < _options.MaxInFlightPerDevice)
                {
                    await SendAsync(++sent);
                }
                else
                {
                    _statistics.Throttled();
                }

                if (_options.MessagesPerDevice == sent || !await timer.WaitForNextTickAsync(cancellationToken))
                {
                    break;
                }
            }
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
        MarkDisconnected();
        _client.Dispose();
        _writer.Dispose();
    }

    // number: this device's message number in the run, from 1; the seq is offset from it by FirstSeq.
    private async Task SendAsync(long number)
    {
        var seq = _options.FirstSeq + number - 1;
        var isImage = _options.IsImage(_index, number);
        DriftWhenDue();
        var message = isImage ? ImageMessage(seq, out var truth) : TelemetryMessage(seq, out truth);
        var kind = isImage ? PayloadKind.Image : PayloadKind.Telemetry;

        // Remembered before the publish: the gateway may answer before its PUBACK reaches us.
        _pending.Add(seq, new PendingUplink(kind, Stopwatch.GetTimestamp(), truth));
        _statistics.Sending(kind);
        try
        {
            // Not cancelled with the run: a publish already on the wire finishes (its PUBACK is a few milliseconds away),
            // so the run's end never counts as a failed send. MQTTnet reports a cancelled publish as timed out.
            var published = await _client.PublishAsync(message, CancellationToken.None);
            if (published.IsSuccess && _options.Answer == FleetAnswer.Acknowledgement)
            {
                Answered(seq, Stopwatch.GetTimestamp());
            }
            else if (!published.IsSuccess)
            {
                // The gateway follows a refusal with an error reply, which settles the entry; else it times out.
                _statistics.Refused();
                LogRefused(_logger, Id, seq, published.ReasonCode, published.ReasonString);
            }
        }
        catch (Exception ex)
        {
            if (_pending.TryTake(seq, out _))
            {
                _statistics.SendFailed();
            }

            LogSendFailed(_logger, ex, Id, seq);
        }
    }
}

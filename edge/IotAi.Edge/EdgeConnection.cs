using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Polly;

namespace IotAi.Edge;

/// <summary>
/// The agent's one MQTT client and the loop that keeps it connected: connect and subscribe inside the
/// <see cref="ConnectionPipeline"/>, wait for the connection to drop, start again. Publishers wait on
/// <see cref="WaitConnectedAsync"/> instead of failing while it is down.
/// </summary>
public sealed partial class EdgeConnection : IDisposable
{
    /// <summary>The connection's socket buffers: room for a few model chunks in flight (the kernel doubles it).</summary>
    private const int SocketBufferBytes = 256 * 1024;

    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly MqttClientSubscribeOptions _subscribeOptions;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly string _deviceId;
    private readonly Lock _offlineLock = new();
    private readonly TimeProvider _time;
    private TimeSpan _offlineBefore;
    private long? _offlineSince;
    private volatile TaskCompletionSource _connected = NewSignal();
    private volatile TaskCompletionSource _lost = NewSignal();

    public EdgeConnection(
        IOptions<EdgeAgentOptions> agentOptions,
        [FromKeyedServices(ConnectionPipeline.Key)] ResiliencePipeline pipeline,
        TimeProvider timeProvider,
        ILogger<EdgeConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(agentOptions);
        var options = agentOptions.Value;
        _deviceId = options.DeviceId;
        _time = timeProvider;
        _offlineSince = timeProvider.GetTimestamp();
        _pipeline = pipeline;
        _logger = logger;

        _clientOptions = ClientOptions(options);
        _subscribeOptions = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f
                .WithTopic(DeviceTopics.DownlinkFilter(options.DeviceId))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += e =>
        {
            // Failed attempts raise this too; only losing a live connection restarts the loop.
            if (e.ClientWasConnected)
            {
                _lost.TrySetResult();
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>How the agent connects to the gateway as its device.</summary>
    internal static MqttClientOptions ClientOptions(EdgeAgentOptions options)
    {
        // No clean start and an hour's session: QoS 1 results sent while the device was away wait for it.
        var built = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.DeviceId)
            .WithCredentials(options.SecretFile is null ? null : options.DeviceId, Secret(options.SecretFile))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout)
            .WithMaximumPacketSize((uint)options.MaximumPacketSize)
            .WithReceiveMaximum((ushort)options.ReceiveMaximum)
            .Build();
        // MQTTnet fixes both socket buffers at 8 KiB unless told otherwise, which turns off the kernel's sizing of them:
        // a 64 KiB model chunk then crosses in eight windows, each a round trip, which on a slow or distant link is most
        // of a download's time.
        ((MqttClientTcpOptions)built.ChannelOptions).BufferSize = SocketBufferBytes;
        return built;
    }

    /// <summary>A message arrived on a downlink topic the connection subscribes to.</summary>
    public event Func<MqttApplicationMessageReceivedEventArgs, Task> MessageReceived
    {
        add => _client.ApplicationMessageReceivedAsync += value;
        remove => _client.ApplicationMessageReceivedAsync -= value;
    }

    /// <summary>Keeps the client connected until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _pipeline.ExecuteAsync(static (self, ct) => self.ConnectOnceAsync(ct), this, cancellationToken);
            LogConnected(_logger, _deviceId);
            MarkOffline(false);
            _connected.TrySetResult();
            Connected?.Invoke(this, EventArgs.Empty);
            await _lost.Task.WaitAsync(cancellationToken);
            _connected = NewSignal();
            MarkOffline(true);
            LogLost(_logger, _deviceId);
        }
    }

    public Task WaitConnectedAsync(CancellationToken cancellationToken) => _connected.Task.WaitAsync(cancellationToken);

    /// <summary>Raised each time the connection is made, the first and every later one.</summary>
    public event EventHandler? Connected;

    /// <summary>How long the agent has been without a connection since it started, the outage in progress included.</summary>
    public TimeSpan OfflineTime
    {
        get
        {
            lock (_offlineLock)
            {
                return _offlineBefore + (_offlineSince is { } since ? _time.GetElapsedTime(since) : TimeSpan.Zero);
            }
        }
    }

    private void MarkOffline(bool offline)
    {
        lock (_offlineLock)
        {
            if (offline)
            {
                _offlineSince ??= _time.GetTimestamp();
            }
            else if (_offlineSince is { } since)
            {
                _offlineBefore += _time.GetElapsedTime(since);
                _offlineSince = null;
            }
        }
    }

    public Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken) =>
        _client.PublishAsync(message, cancellationToken);

    /// <summary>Says goodbye to the broker, so it keeps the session without publishing a will or waiting for keep-alive.</summary>
    public async Task DisconnectAsync()
    {
        if (_client.IsConnected && await _client.TryDisconnectAsync())
        {
            LogDisconnected(_logger, _deviceId);
        }
    }

    public void Dispose() => _client.Dispose();

    private async ValueTask ConnectOnceAsync(CancellationToken cancellationToken)
    {
        // An attempt that connected but timed out subscribing leaves the client connected; start clean.
        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync();
        }

        _lost = NewSignal();
        MqttClientConnectResult connect;
        try
        {
            connect = await _client.ConnectAsync(_clientOptions, cancellationToken);
        }
        catch (MqttCommunicationException)
        {
            // MQTTnet reports cancellation as a timeout; Polly must see cancellation to tell a timeout from shutdown.
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }

        if (connect.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused the connection: {connect.ResultCode} {connect.ReasonString}");
        }

        var subscribe = await _client.SubscribeAsync(_subscribeOptions, cancellationToken);
        foreach (var item in subscribe.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException($"The broker refused the subscription to {item.TopicFilter.Topic}: {item.ResultCode}");
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} connected and subscribed")]
    private static partial void LogConnected(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} lost its connection; reconnecting")]
    private static partial void LogLost(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string deviceId);

    /// <summary>The secret in the file, without the line end an editor or <c>echo</c> leaves; read once, at start.</summary>
    private static string? Secret(string? file) => file is null ? null : File.ReadAllText(file).Trim();
}

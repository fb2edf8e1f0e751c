using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.External;

/// <summary>
/// One MQTT 5 session at the user's broker through which device uplinks come: the silo's own, or one a silo that
/// vanished left behind. Each uplink goes to the ingress at once, so uplinks from many devices are worked on together,
/// and is acknowledged once the ingress is done and every uplink before it is acknowledged (MQTT-4.6.0-2: in the order
/// received), on the connection that brought it: an uplink not finished stays in the session and comes again.
/// </summary>
internal sealed partial class UplinkSession(ExternalBrokerOptions options, string clientId, Func<string, MqttApplicationMessage, Task> uplink, TimeProvider time) : IDisposable
{
    /// <summary>How quiet the broker must fall before a session that stops taking uplinks counts as worked off.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    /// <summary>The connection's socket buffers: room for a full window of uplinks and their answers (the kernel doubles it).</summary>
    private const int SocketBufferBytes = 1 << 20;

    private Task _lastAcknowledged = Task.CompletedTask;
    private int _connection;
    private long _lastReceived;
    private long _lastAcknowledgedAt;
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IMqttClient Client { get; } = new MqttClientFactory().CreateMqttClient();

    public string ClientId => clientId;

    /// <summary>Completes when the connection made last is lost.</summary>
    public Task Lost => _lost.Task;

    /// <summary>Told of an uplink that failed; it is left unacknowledged, so the broker sends it again.</summary>
    public Action<Exception, string, string>? Failed { get; init; }

    /// <summary>Connects with the session kept; with <paramref name="subscribe"/>, takes this silo's share of the uplinks. Returns whether the broker had the session.</summary>
    public async Task<bool> ConnectAsync(bool subscribe, CancellationToken cancellationToken)
    {
        if (_connection == 0)
        {
            Client.ApplicationMessageReceivedAsync += OnReceivedAsync;
            Client.DisconnectedAsync += _ =>
            {
                _lost.TrySetResult();
                return Task.CompletedTask;
            };
        }

        var password = options.PasswordFile is null ? null : (await File.ReadAllTextAsync(options.PasswordFile, cancellationToken)).Trim();
        (_lastAcknowledged, _lost) = (Task.CompletedTask, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _connection);
        var connected = await Client.ConnectAsync(ClientOptions(options, clientId, password), cancellationToken);
        if (subscribe)
        {
            var granted = await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(options.UplinkFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            if (granted.Items.Single().ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException($"the broker refused the subscription to {options.UplinkFilter}: {granted.Items.Single().ResultCode}");
            }
        }

        return connected.IsSessionPresent;
    }

    /// <summary>How a session connects to the broker as <paramref name="clientId"/>, with the password read from its file.</summary>
    internal static MqttClientOptions ClientOptions(ExternalBrokerOptions options, string clientId, string? password)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            // The session keeps what the broker sent and was not acknowledged, for when the silo comes back.
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)options.MaxInFlight)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (options.Username is not null)
        {
            builder.WithCredentials(options.Username, password);
        }

        if (options.Tls)
        {
            builder.WithTlsOptions(static o => o.UseTls());
        }

        var built = builder.Build();
        // MQTTnet fixes both socket buffers at 8 KiB unless told otherwise, which turns off the kernel's sizing of them:
        // this one connection carries every device's uplinks, and under load the broker filled a 16 KiB receive window
        // faster than it drained, so the connection sat in zero-window probes for seconds at a time.
        ((MqttClientTcpOptions)built.ChannelOptions).BufferSize = SocketBufferBytes;
        return built;
    }

    /// <summary>
    /// Leaves the shared subscription, takes and acknowledges what the session still holds until the broker falls quiet,
    /// then ends the session; one not worked off within <paramref name="limit"/> is left to the broker. Returns whether it was.
    /// </summary>
    public async Task<bool> WorkOffAsync(TimeSpan limit)
    {
        await Client.UnsubscribeAsync(options.UplinkFilter);
        var deadline = time.GetTimestamp() + (long)(limit.TotalSeconds * time.TimestampFrequency);
        var done = false;
        while (!done && time.GetTimestamp() < deadline && Client.IsConnected)
        {
            var last = _lastAcknowledged;
            await last;
            // Quiet since the last uplink came and since the last acknowledgement went: each acknowledgement frees a slot
            // the broker fills at once if it holds more, so only silence after one says the session is empty.
            var activity = Math.Max(Volatile.Read(ref _lastReceived), Volatile.Read(ref _lastAcknowledgedAt));
            done = ReferenceEquals(last, _lastAcknowledged) && time.GetElapsedTime(activity) >= Quiet;
            if (!done)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time);
            }
        }

        if (Client.IsConnected)
        {
            await Client.DisconnectAsync(done ? new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(0).Build() : new MqttClientDisconnectOptionsBuilder().Build());
        }

        return done;
    }

    public void Dispose() => Client.Dispose();

    private Task OnReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var match = DeviceUplink().Match(e.ApplicationMessage.Topic);
        if (!match.Success)
        {
            // Not a device's uplink (the filter only takes those): acknowledged, so it is not sent again.
            return Task.CompletedTask;
        }

        e.AutoAcknowledge = false;
        Volatile.Write(ref _lastReceived, time.GetTimestamp());
        var handled = HandleAsync(match.Groups[1].Value, e.ApplicationMessage);
        _lastAcknowledged = AcknowledgeAsync(_lastAcknowledged, handled, e, Volatile.Read(ref _connection));
        return Task.CompletedTask;
    }

    private async Task HandleAsync(string deviceId, MqttApplicationMessage message)
    {
        try
        {
            await uplink(deviceId, message);
        }
        catch (Exception ex)
        {
            Failed?.Invoke(ex, deviceId, message.Topic);
            throw;
        }
    }

    private async Task AcknowledgeAsync(Task before, Task handled, MqttApplicationMessageReceivedEventArgs e, int connection)
    {
        await before;
        try
        {
            await handled;
            if (connection == Volatile.Read(ref _connection))
            {
                // On a later connection the broker sends it again, and the grain takes that copy for a repeat.
                await e.AcknowledgeAsync(CancellationToken.None);
                Volatile.Write(ref _lastAcknowledgedAt, time.GetTimestamp());
            }
        }
#pragma warning disable CA1031 // Left unacknowledged (or the connection went): the broker sends it again, and the grain drops what it already has.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    [GeneratedRegex(@"^devices/([^/]+)/up/")]
    private static partial Regex DeviceUplink();
}

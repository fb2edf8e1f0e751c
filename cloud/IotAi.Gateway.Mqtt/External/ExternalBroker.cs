using System.Text.RegularExpressions;
using IotAi.Gateway.Mqtt.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.External;

/// <summary>
/// The silo's attachment to the user's own broker (<see cref="ExternalBrokerOptions"/>): an MQTT 5 client that takes this
/// silo's share of every device's uplinks and publishes what the gateway sends devices back through that broker. Each
/// uplink goes through the silo's ingress as if the device had published it there (the same grains, dedup, twins, OTA),
/// and is acknowledged to the broker only once the ingress is done with it, in the order it came: an uplink the silo
/// took but did not finish stays in its session at the broker and comes again.
/// </summary>
public sealed partial class ExternalBroker(IOptions<ExternalBrokerOptions> options, GatewayTelemetry telemetry, TimeProvider time, ILogger<ExternalBroker> logger) : IAsyncDisposable
{
    private readonly ExternalBrokerOptions _options = options.Value;
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stopping = new();
    private Func<string, MqttApplicationMessage, Task>? _uplink;
    private Task _running = Task.CompletedTask;
    private Task _lastAcknowledged = Task.CompletedTask;
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Enabled => _options.Enabled;

    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects, and keeps connecting, handing each device uplink to <paramref name="uplink"/> (the device id, the message).</summary>
    public void Start(Func<string, MqttApplicationMessage, Task> uplink)
    {
        _uplink = uplink;
        _client.ApplicationMessageReceivedAsync += OnReceivedAsync;
        _client.DisconnectedAsync += e =>
        {
            _lost.TrySetResult();
            return Task.CompletedTask;
        };
        _running = RunAsync(_stopping.Token);
    }

    /// <summary>Publishes a message the gateway sends a device, with the expiry it has left; one that cannot be sent now is dropped and counted.</summary>
    public async Task SendAsync(MqttApplicationMessage message, string kind)
    {
        if (MessageExpiry.TryRead(message.UserProperties, out var deadline, out var stamp))
        {
            if (MessageExpiry.HasPassed(deadline, time))
            {
                telemetry.Dropped("expired");
                return;
            }

            message.MessageExpiryInterval = MessageExpiry.SecondsLeft(deadline, time);
            message.UserProperties = MessageExpiry.WithoutStamp(message.UserProperties!, stamp);
        }

        try
        {
            await _client.PublishAsync(message, _stopping.Token);
            telemetry.Sent(kind);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            // Not connected now: a push is sent again at the device's next uplink through this silo (its grain catches up), an answer is not.
            telemetry.Dropped("external_unavailable");
            LogNotSent(message.Topic, ex.Message);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await ConnectAsync(stopping);
                LogConnected(_options.Host!, _options.Port, _options.EffectiveClientId);
                await _lost.Task.WaitAsync(stopping);
                LogLost(_options.Host!, _options.Port);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Refused, unreachable, timed out: the silo keeps trying, as a device would.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogConnectFailed(ex, _options.Host!, _options.Port);
            }

            try
            {
                await Task.Delay(_options.ReconnectDelay, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.EffectiveClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            // The session keeps what the broker sent this silo and it did not acknowledge, for when it comes back.
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)_options.MaxInFlight)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (_options.Username is not null)
        {
            builder.WithCredentials(_options.Username, _options.PasswordFile is null ? null : (await File.ReadAllTextAsync(_options.PasswordFile, cancellationToken)).Trim());
        }

        if (_options.Tls)
        {
            builder.WithTlsOptions(static o => o.UseTls());
        }

        _lastAcknowledged = Task.CompletedTask;
        await _client.ConnectAsync(builder.Build(), cancellationToken);
        var granted = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(_options.UplinkFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        var code = granted.Items.Single().ResultCode;
        if (code > MqttClientSubscribeResultCode.GrantedQoS2)
        {
            throw new InvalidOperationException($"the broker refused the subscription to {_options.UplinkFilter}: {code}");
        }
    }

    /// <summary>
    /// Hands an uplink to the ingress at once, so uplinks from many devices are worked on together, and acknowledges it
    /// once the ingress is done and every uplink before it is acknowledged (MQTT-4.6.0-2: in the order received).
    /// </summary>
    private Task OnReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var match = DeviceUplink().Match(e.ApplicationMessage.Topic);
        if (!match.Success)
        {
            // Not a device's uplink (the filter only takes those): acknowledged, so it is not sent again.
            return Task.CompletedTask;
        }

        e.AutoAcknowledge = false;
        var handled = HandleAsync(match.Groups[1].Value, e.ApplicationMessage);
        _lastAcknowledged = AcknowledgeAsync(_lastAcknowledged, handled, e);
        return Task.CompletedTask;
    }

    private async Task HandleAsync(string deviceId, MqttApplicationMessage message)
    {
        try
        {
            await _uplink!(deviceId, message);
        }
#pragma warning disable CA1031 // One uplink that failed must not stop the others; it is not acknowledged, so it comes again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUplinkFailed(ex, deviceId, message.Topic);
            throw;
        }
    }

    private async Task AcknowledgeAsync(Task before, Task handled, MqttApplicationMessageReceivedEventArgs e)
    {
        await before;
        try
        {
            await handled;
            await e.AcknowledgeAsync(_stopping.Token);
        }
#pragma warning disable CA1031 // Left unacknowledged (or the connection went): the broker sends it again, and the grain drops what it already has.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Leaves the shared subscription, so the broker gives this silo's share to the others, finishes and acknowledges what
    /// it was already sent, then ends its session: a silo scaled down loses nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        try
        {
            if (_client.IsConnected)
            {
                await _client.UnsubscribeAsync(_options.UplinkFilter);
                await _lastAcknowledged;
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(0).Build());
            }
        }
#pragma warning disable CA1031 // The broker went first: the session it keeps is resumed by this silo's next start.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLeaveFailed(ex);
        }

        await _stopping.CancelAsync();
        await _running;
        _client.Dispose();
        _stopping.Dispose();
    }

    [GeneratedRegex(@"^devices/([^/]+)/up/")]
    private static partial Regex DeviceUplink();

    [LoggerMessage(Level = LogLevel.Information, Message = "Attached to the MQTT broker at {Host}:{Port} as {ClientId}")]
    private partial void LogConnected(string host, int port, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the MQTT broker at {Host}:{Port}; connecting again")]
    private partial void LogLost(string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not attach to the MQTT broker at {Host}:{Port}; trying again")]
    private partial void LogConnectFailed(Exception exception, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An uplink from {DeviceId} on {Topic} failed; the broker sends it again")]
    private partial void LogUplinkFailed(Exception exception, string deviceId, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Did not send {Topic} through the MQTT broker: {Reason}")]
    private partial void LogNotSent(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not leave the MQTT broker cleanly")]
    private partial void LogLeaveFailed(Exception exception);
}

using IotAi.Gateway.Mqtt.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace IotAi.Gateway.Mqtt.External;

/// <summary>
/// The silo's attachment to the user's own broker (<see cref="ExternalBrokerOptions"/>): an MQTT 5 client that takes this
/// silo's share of every device's uplinks (an <see cref="UplinkSession"/>) and publishes what the gateway sends devices
/// back through that broker. Each uplink goes through the silo's ingress as if the device had published it there (the
/// same grains, dedup, twins, OTA). A silo that vanished leaves its share in its session at the broker; a surviving
/// silo takes that session over and works it off (<see cref="AdoptAsync"/>).
/// </summary>
public sealed partial class ExternalBroker(IOptions<ExternalBrokerOptions> options, GatewayTelemetry telemetry, TimeProvider time, ILogger<ExternalBroker> logger) : IAsyncDisposable
{
    /// <summary>How long a stopping silo waits for the uplinks its session holds: within the time Kubernetes gives a pod to stop.</summary>
    private static readonly TimeSpan WorkOffLimit = TimeSpan.FromSeconds(15);

    /// <summary>How long a silo works off a vanished silo's session, in the background; it ends sooner once the broker falls quiet.</summary>
    private static readonly TimeSpan AdoptLimit = TimeSpan.FromMinutes(10);

    private readonly ExternalBrokerOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private UplinkSession? _own;
    private Func<string, MqttApplicationMessage, Task>? _uplink;
    private Task _running = Task.CompletedTask;

    public bool Enabled => _options.Enabled;

    public bool IsConnected => _own?.Client.IsConnected == true;

    /// <summary>This silo's client id at the broker; null when the silos keep their own brokers.</summary>
    public string? ClientId => Enabled ? _options.EffectiveClientId : null;

    /// <summary>Connects, and keeps connecting, handing each device uplink to <paramref name="uplink"/> (the device id, the message).</summary>
    public void Start(Func<string, MqttApplicationMessage, Task> uplink)
    {
        _uplink = uplink;
        _own = Session(_options.EffectiveClientId);
        _running = RunAsync(_own, _stopping.Token);
    }

    /// <summary>
    /// Takes over the session a vanished silo left at the broker under <paramref name="clientId"/>, works off the uplinks
    /// it holds, and ends it. A silo that comes back under that id takes its session back first, which ends this.
    /// </summary>
    public async Task AdoptAsync(string clientId)
    {
        if (_own is null || clientId == _options.EffectiveClientId)
        {
            return;
        }

        using var adopted = Session(clientId);
        try
        {
            if (await adopted.ConnectAsync(subscribe: false, _stopping.Token))
            {
                LogAdopting(clientId);
                var done = await adopted.WorkOffAsync(AdoptLimit);
                LogAdopted(clientId, done);
            }
            else
            {
                // Nothing kept under that id: end the empty session the connect made.
                LogNothingToAdopt(clientId);
                await adopted.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(0).Build());
            }
        }
#pragma warning disable CA1031 // The broker, or the silo coming back, ended it: the session stays for whoever connects under that id next.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAdoptFailed(ex, clientId);
        }
    }

    private UplinkSession Session(string clientId) =>
        new(_options, clientId, _uplink!, time) { Failed = (ex, device, topic) => LogUplinkFailed(ex, device, topic) };

    /// <summary>
    /// Publishes a message the gateway sends a device, with the expiry it has left. Handed to the client and not waited
    /// for: an uplink is done, and acknowledged to the broker, once its answer is on its way, not once the broker has it,
    /// as on the silo's own broker an answer queued for a connection that closes goes with it. One that cannot be sent is
    /// dropped and counted.
    /// </summary>
    public Task SendAsync(MqttApplicationMessage message, string kind)
    {
        _ = PublishAsync(message, kind);
        return Task.CompletedTask;
    }

    private async Task PublishAsync(MqttApplicationMessage message, string kind)
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
            await _own!.Client.PublishAsync(message, _stopping.Token);
            telemetry.Sent(kind);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            // Not connected now: a push is sent again at the device's next uplink through this silo (its grain catches up), an answer is not.
            telemetry.Dropped("external_unavailable");
            LogNotSent(message.Topic, ex.Message);
        }
    }

    private async Task RunAsync(UplinkSession session, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await session.ConnectAsync(subscribe: true, stopping);
                LogConnected(_options.Host!, _options.Port, session.ClientId);
                await session.Lost.WaitAsync(stopping);
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

    /// <summary>
    /// Leaves the shared subscription, so the broker gives this silo's share to the others; works off what its session
    /// still holds, then ends the session: a silo scaled down loses nothing. One that cannot finish in time leaves its
    /// session to the broker, for its next start or for another silo to adopt.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        try
        {
            if (_own is { Client.IsConnected: true } own)
            {
                await own.WorkOffAsync(WorkOffLimit);
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
        _own?.Dispose();
        _stopping.Dispose();
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Taking over the session {ClientId} left at the MQTT broker, to work off the uplinks it holds")]
    private partial void LogAdopting(string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The session {ClientId} left at the MQTT broker is worked off: {Done}")]
    private partial void LogAdopted(string clientId, bool done);

    [LoggerMessage(Level = LogLevel.Information, Message = "The MQTT broker held no session {ClientId}: nothing to work off")]
    private partial void LogNothingToAdopt(string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not work off the session {ClientId} left at the MQTT broker")]
    private partial void LogAdoptFailed(Exception exception, string clientId);
}

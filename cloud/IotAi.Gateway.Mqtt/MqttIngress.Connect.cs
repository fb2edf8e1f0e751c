using IotAi.Gateway.Mqtt.Limits;
using IotAi.Gateway.Mqtt.Sessions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Mqtt;

/// <summary>Who may connect, and closing a connection from elsewhere in the cluster.</summary>
public sealed partial class MqttIngress
{
    /// <summary>How long a new connection waits for the old one under its client id to be closed; past it, it goes on.</summary>
    private static readonly TimeSpan HandOverPatience = TimeSpan.FromSeconds(10);

    private async Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId) && e.ProtocolVersion == MqttProtocolVersion.V500)
        {
            // A watcher such as mosquitto_sub may leave its id to the server; MQTT 5's CONNACK tells it the id. (A 3.1.1
            // client with a clean session got one before this; one that asks to keep a session under no id is refused.)
            e.AssignedClientIdentifier = ClientTerms.AssignClientId();
        }

        if (limits.CheckConnect(e.RemoteEndPoint) is { } limited)
        {
            RefuseConnect(e, limited);
            return;
        }

        var refusal = await policy.AuthorizeConnectAsync(new ConnectRequest(e.ClientId, e.UserName, e.RawPassword, e.RemoteEndPoint?.ToString(), e.ClientCertificate));
        if (refusal is not null)
        {
            e.ReasonCode = ReasonCodes.ForConnect(refusal.Kind);
            e.ReasonString = refusal.Reason;
            telemetry.Refused(ConnectRefusal(refusal.Kind));
            LogConnectRefused(e.ClientId, e.RemoteEndPoint, refusal.Reason);
            return;
        }

        // Only once the client proved who it is: a stranger naming a device's id must not end the device's connection.
        if (terms.ConnectionOf(e.ClientId) is { } previous)
        {
            await HandOverAsync(e.ClientId, previous);
        }
    }

    /// <summary>
    /// Ends the connection a client id already has here and waits until the broker is done with it, before the new one is
    /// accepted. MQTTnet's own takeover is safe only while the old connection is open: one already closing deletes its
    /// session by client id, and tells the device's grain it disconnected, after the new one connected, which is then left
    /// without its subscriptions and its pushes.
    /// </summary>
    private async Task HandOverAsync(string clientId, ClientTermsAdapter previous)
    {
        try
        {
            await _server!.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.SessionTakenOver,
                ReasonString = "another connection took this client id over",
            });
        }
        catch (InvalidOperationException)
        {
            // It is closing already: there is only its end to wait for.
        }

        try
        {
            await previous.Closed.WaitAsync(HandOverPatience);
        }
        catch (TimeoutException)
        {
            LogHandOverSlow(clientId, HandOverPatience.TotalSeconds);
        }
    }

    private void RefuseConnect(ValidatingConnectionEventArgs e, LimitRefusal<MqttConnectReasonCode> refusal)
    {
        e.ReasonCode = refusal.Code;
        e.ReasonString = refusal.Reason;
        telemetry.Refused(refusal.Metric);
        LogConnectRefused(e.ClientId, e.RemoteEndPoint, refusal.Reason);
    }

    /// <summary>The refusal's metric reason: a handful of fixed names, never a client id.</summary>
    private static string ConnectRefusal(IngressRefusalKind kind) => kind switch
    {
        IngressRefusalKind.BadCredentials => "connect_bad_credentials",
        IngressRefusalKind.Banned => "connect_revoked",
        IngressRefusalKind.ClientIdInvalid => "connect_client_id",
        IngressRefusalKind.QuotaExceeded => "connect_quota",
        _ => "connect_not_authorized",
    };

    /// <summary>Closes a client's connection here, e.g. a device just revoked; a client no longer here is left alone.</summary>
    private async Task DisconnectAsync(string clientId, string reason)
    {
        try
        {
            await _server!.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = reason });
        }
        catch (InvalidOperationException)
        {
            // It went away meanwhile.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The previous connection of {ClientId} was still closing after {Seconds} s; the new one goes on")]
    private partial void LogHandOverSlow(string clientId, double seconds);
}

using IotAi.Gateway.Mqtt.Limits;
using IotAi.Gateway.Mqtt.Sessions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>Who may connect, and closing a connection from elsewhere in the cluster.</summary>
public sealed partial class MqttIngress
{
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
}

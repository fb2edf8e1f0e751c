namespace IotAi.Gateway.Mqtt;

/// <summary>
/// The ingress's security seam: who may connect, and what each connection may publish and subscribe to.
/// The ingress asks it at every CONNECT, PUBLISH and SUBSCRIBE and turns its refusals into MQTT 5 reason
/// codes; authentication, topic ACLs and limits are implementations of this one interface.
/// </summary>
public interface IIngressPolicy
{
    /// <summary>Null to accept the connection, or why it is refused.</summary>
    ValueTask<IngressRefusal?> AuthorizeConnectAsync(ConnectRequest request);

    IngressRefusal? AuthorizePublish(string clientId, string topic);

    IngressRefusal? AuthorizeSubscribe(string clientId, string topicFilter);
}

/// <summary>What a client presents when it connects; a client certificate only when TLS accepted it as trusted.</summary>
public sealed record ConnectRequest(string ClientId, string? UserName, ReadOnlyMemory<byte> Password, string? RemoteAddress,
    System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate = null);

/// <summary>Why the policy said no; <see cref="Reason"/> becomes the MQTT 5 reason string.</summary>
public sealed record IngressRefusal(IngressRefusalKind Kind, string Reason);

public enum IngressRefusalKind
{
    NotAuthorized,
    BadCredentials,
    ClientIdInvalid,
    QuotaExceeded,
    Banned,
}

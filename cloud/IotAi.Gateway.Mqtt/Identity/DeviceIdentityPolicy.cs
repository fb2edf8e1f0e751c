using System.Collections.Concurrent;
using System.Text;
using IotAi.Gateway.Mqtt;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>
/// The ingress policy: devices prove who they are with the secret the registry issued them (user name = client
/// id = device id), accounts from configuration with theirs, and each is held to its role's topics. With
/// <c>Mqtt:Authentication:Mode=None</c> nobody is asked for anything, but the topic rules still hold, by client id.
/// Topic refusals are logged here with the client and the reason; connect refusals by the ingress, with the
/// client's address. Neither ever logs what a client presented.
/// </summary>
internal sealed partial class DeviceIdentityPolicy(
    DeviceCredentials credentials,
    IOptions<DeviceAuthenticationOptions> options,
    IOptions<MqttTlsOptions> tls,
    ILogger<DeviceIdentityPolicy> logger) : IIngressPolicy
{
    private static readonly IngressRefusal NoSecret = new(IngressRefusalKind.BadCredentials, "give the device id as user name and its secret as password");
    private static readonly IngressRefusal WrongSecret = new(IngressRefusalKind.BadCredentials, "unknown device or wrong secret");
    private static readonly IngressRefusal Revoked = new(IngressRefusalKind.Banned, "the device's credentials were revoked");

    // Accounts are few and known by name; a client id they connected with maps to their role until it reconnects.
    private readonly ConcurrentDictionary<string, MqttRole> _accounts = new(StringComparer.Ordinal);

    private DeviceAuthenticationOptions Options => options.Value;

    public async ValueTask<IngressRefusal?> AuthorizeConnectAsync(ConnectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _accounts.TryRemove(request.ClientId, out _);
        if (Options.Mode == AuthenticationMode.None)
        {
            return null;
        }

        if (request.UserName is { Length: > 0 } name && Options.Accounts.TryGetValue(name, out var account))
        {
            return Account(request, name, account);
        }

        if (!DeviceTopics.IsValidDeviceId(request.ClientId))
        {
            return new IngressRefusal(IngressRefusalKind.ClientIdInvalid, "a device connects with its device id as client id");
        }

        if (request.UserName is { Length: > 0 } user && user != request.ClientId)
        {
            return new IngressRefusal(IngressRefusalKind.NotAuthorized, "a device's user name is its client id");
        }

        if (request.ClientCertificate is { } certificate && tls.Value.ClientCaFile is { Length: > 0 })
        {
            return await CertificateAsync(request, certificate);
        }

        if (request.Password.IsEmpty)
        {
            return NoSecret;
        }

        return await credentials.CheckAsync(request.ClientId, request.Password) switch
        {
            CredentialCheck.Valid => null,
            CredentialCheck.Revoked => Revoked,
            _ => WrongSecret,
        };
    }

    public IngressRefusal? AuthorizePublish(string clientId, string topic) =>
        TopicAcl.RefusePublish(RoleOf(clientId), clientId, topic) is { } reason ? Topic(clientId, topic, reason) : null;

    public IngressRefusal? AuthorizeSubscribe(string clientId, string topicFilter) =>
        TopicAcl.RefuseSubscribe(RoleOf(clientId), clientId, topicFilter) is { } reason ? Topic(clientId, topicFilter, reason) : null;

    /// <summary>
    /// A client that is no account is held to a device's topics; with authentication off, a client whose id is no
    /// device id (a watcher such as mosquitto_sub) may watch everything but still publish nowhere under devices/.
    /// </summary>
    private MqttRole RoleOf(string clientId) =>
        _accounts.TryGetValue(clientId, out var role) ? role
        : Options.Mode == AuthenticationMode.None && !DeviceTopics.IsValidDeviceId(clientId) ? MqttRole.Service
        : MqttRole.Device;

    /// <summary>
    /// A device whose certificate TLS accepted (it chains to <c>Mqtt:Tls:ClientCaFile</c>) is the device its common
    /// name names; it needs no secret, but a revocation in the registry still holds.
    /// </summary>
    private async Task<IngressRefusal?> CertificateAsync(ConnectRequest request, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var named = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false);
        if (named != request.ClientId)
        {
            return new IngressRefusal(IngressRefusalKind.NotAuthorized, "the certificate's common name is not the client id");
        }

        return (await credentials.GetAsync(request.ClientId))?.RevokedAt is null ? null : Revoked;
    }

    private IngressRefusal? Account(ConnectRequest request, string name, MqttAccount account)
    {
        if (account.Role == MqttRole.Device || !DeviceSecrets.Verify(request.Password.Span, DeviceSecrets.Parse(account.SecretHash)))
        {
            return new IngressRefusal(IngressRefusalKind.BadCredentials, $"wrong secret for account {name}");
        }

        _accounts[request.ClientId] = account.Role;
        return null;
    }

    private IngressRefusal Topic(string clientId, string topic, string reason)
    {
        LogTopicRefused(clientId, topic, reason);
        return new IngressRefusal(IngressRefusalKind.NotAuthorized, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {ClientId} on {Topic}: {Reason}")]
    private partial void LogTopicRefused(string clientId, string topic, string reason);
}

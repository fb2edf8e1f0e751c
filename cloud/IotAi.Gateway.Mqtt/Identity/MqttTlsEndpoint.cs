using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>
/// The MQTT listener's TLS endpoint: TLS 1.2 or 1.3 with the configured or self-signed certificate, and, when a
/// client CA is configured, device certificates that chain to it. A client without a certificate goes on to
/// prove a secret at CONNECT; one with a certificate from any other CA fails the handshake.
/// </summary>
internal static partial class MqttTlsEndpoint
{
    public static void Configure(MqttServerOptionsBuilder builder, MqttTlsOptions options, string keysDirectory, IPAddress bindAddress, ILogger logger)
    {
        var (certificate, source, selfSigned) = TlsCertificates.Load(options, keysDirectory);
        builder.WithEncryptedEndpoint()
            .WithEncryptedEndpointPort(options.Port)
            .WithEncryptedEndpointBoundIPAddress(bindAddress)
            .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
            .WithEncryptionCertificate(certificate)
            .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13);
        if (TlsCertificates.ClientAuthorities(options) is { } authorities)
        {
            builder.WithClientCertificate((_, presented, _, _) => presented is null || TlsCertificates.IsTrusted(new X509Certificate2(presented), authorities), false);
        }

        if (selfSigned)
        {
            LogSelfSigned(logger, options.Port, source);
        }
        else
        {
            LogCertificate(logger, options.Port, source);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT over TLS on port {Port} with a self-signed certificate; clients trust it with e.g. mosquitto_pub --cafile {CertificateFile}, or configure Mqtt:Tls:CertificateFile and KeyFile")]
    private static partial void LogSelfSigned(ILogger logger, int port, string certificateFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT over TLS on port {Port} with the certificate {CertificateFile}")]
    private static partial void LogCertificate(ILogger logger, int port, string certificateFile);
}

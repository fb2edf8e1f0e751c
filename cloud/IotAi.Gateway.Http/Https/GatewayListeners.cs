using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Http.Https;

/// <summary>
/// Where the silo's HTTP front listens, all on one address: plain HTTP on the API's port unless HTTPS replaces it
/// (<see cref="HttpsOptions.DisableHttp"/>); HTTPS, TLS 1.2 or 1.3, with the certificate <see cref="HttpsOptions"/>
/// names and its intermediates sent along, taken again when its files change (<see cref="ServerCertificateFiles"/>);
/// and plain HTTP on the metrics port, for scrapers and kubelets.
/// </summary>
public static partial class GatewayListeners
{
    /// <summary>
    /// Listens as above. Settings that cannot work, and a certificate that is missing or broken, stop the start here
    /// with an error naming the setting: Kestrel runs this as the server is made, before options are validated.
    /// </summary>
    public static void ListenGateway(this KestrelServerOptions kestrel, IPAddress address, int httpPort, int? metricsPort, HttpsOptions https)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(https);
        if (https.DisableHttp && https.Port is null)
        {
            throw new InvalidOperationException($"{HttpsOptions.SectionName}:DisableHttp turns plain HTTP off only with {HttpsOptions.SectionName}:Port set: the silo would serve its API nowhere");
        }

        var plain = new SortedSet<int>();
        if (!https.DisableHttp)
        {
            plain.Add(httpPort);
        }

        if (metricsPort is int metrics)
        {
            plain.Add(metrics);
        }

        foreach (var port in plain)
        {
            kestrel.Listen(address, port);
        }

        if (https.Port is int httpsPort)
        {
            ListenHttps(kestrel, address, httpsPort, https);
        }
    }

    private static void ListenHttps(KestrelServerOptions kestrel, IPAddress address, int port, HttpsOptions https)
    {
        var logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayListeners));
        var file = https.CertificateFile ?? "";
        var certificate = new ServerCertificateFiles(file, https.KeyFile ?? "", logger);
        kestrel.Listen(address, port, listen => listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate.Current(),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }),
        }));
        var served = certificate.Certificate;
        var validUntil = served.NotAfter.ToUniversalTime();
        LogHttps(logger, port, file, served.Subject, validUntil);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS on port {Port} with the certificate {CertificateFile} ({Subject}, valid until {NotAfter:u})")]
    private static partial void LogHttps(ILogger logger, int port, string certificateFile, string subject, DateTime notAfter);
}

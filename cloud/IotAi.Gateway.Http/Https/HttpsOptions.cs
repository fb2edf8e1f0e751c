namespace IotAi.Gateway.Http.Https;

/// <summary>
/// HTTPS for the silo's HTTP front (the management API, the Open Inference Protocol, the dashboard), bound from
/// <c>Gateway:Https</c>. Off unless <see cref="Port"/> is set; the certificate comes from PEM files, in Kubernetes a TLS
/// Secret mounted as <c>tls.crt</c> and <c>tls.key</c>, as MQTT's on 8883 does.
/// </summary>
public sealed class HttpsOptions
{
    public const string SectionName = "Gateway:Https";

    /// <summary>The HTTPS port, on <c>Gateway:HttpBindAddress</c>; unset, the silo serves no HTTPS.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The server certificate (PEM), followed by the intermediates it chains through, which are sent with it.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The server certificate's private key (PEM).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// With HTTPS on, stop serving plain HTTP on <c>Gateway:HttpPort</c>, so no key or token can be sent in clear.
    /// <c>Gateway:MetricsPort</c>, when set, stays plain HTTP for scrapers and kubelets.
    /// </summary>
    public bool DisableHttp { get; set; }
}

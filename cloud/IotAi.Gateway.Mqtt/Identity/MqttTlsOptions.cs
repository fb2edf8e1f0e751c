namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>
/// MQTT over TLS. Bound from <c>Mqtt:Tls</c>. The certificate comes from PEM files (in Kubernetes, a TLS
/// Secret mounted as <c>tls.crt</c> and <c>tls.key</c>); with none configured the silo makes a self-signed one
/// on first start, keeps it in the data directory and says where, so clients can be told to trust it.
/// </summary>
public sealed class MqttTlsOptions
{
    public const string SectionName = "Mqtt:Tls";

    public bool Enabled { get; set; } = true;

    [System.ComponentModel.DataAnnotations.Range(1, 65535)]
    public int Port { get; set; } = 8883;

    /// <summary>The server certificate (PEM, with its chain); unset, a self-signed one is made.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The server certificate's private key (PEM).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Host names the self-signed certificate is made for, besides <c>localhost</c> and this machine's name.</summary>
    public IList<string> HostNames { get; } = [];

    /// <summary>
    /// CA certificates (PEM) whose device certificates the gateway accepts instead of a secret: the certificate's
    /// common name is the device id. Unset, devices authenticate with secrets only.
    /// </summary>
    public string? ClientCaFile { get; set; }

    /// <summary>Where the self-signed certificate is kept; the silo sets it to its keys directory.</summary>
    public string SelfSignedDirectory { get; set; } = "";
}

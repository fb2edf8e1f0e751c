using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotAi.ServiceDefaults;

namespace IotAi.Gateway.Mqtt.Identity;

/// <summary>The MQTT listener's certificate, loaded from configuration or made self-signed and kept in the data directory.</summary>
internal static class TlsCertificates
{
    public const string SelfSignedFileName = "mqtt-tls.crt";
    public const string SelfSignedKeyFileName = "mqtt-tls.key";

    /// <summary>The configured certificate, or the self-signed one under <paramref name="keysDirectory"/> (made on first use); says which.</summary>
    public static (X509Certificate2 Certificate, string Source, bool SelfSigned) Load(MqttTlsOptions options, string keysDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CertificateFile is { Length: > 0 } file)
        {
            var key = options.KeyFile ?? throw new InvalidOperationException("Mqtt:Tls:KeyFile must name the certificate's private key");
            return (PemCertificates.LoadServerCertificate(file, key, MqttTlsOptions.SectionName), file, false);
        }

        var certificate = Path.Combine(keysDirectory, SelfSignedFileName);
        var privateKey = Path.Combine(keysDirectory, SelfSignedKeyFileName);
        if (!File.Exists(certificate) || !File.Exists(privateKey))
        {
            MakeSelfSigned(options, certificate, privateKey);
        }

        return (PemCertificates.LoadServerCertificate(certificate, privateKey, MqttTlsOptions.SectionName), certificate, true);
    }

    /// <summary>The CA certificates device certificates must chain to, or null when devices use secrets only.</summary>
    public static X509Certificate2Collection? ClientAuthorities(MqttTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClientCaFile is not { Length: > 0 } file)
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(file);
        return authorities.Count > 0 ? authorities : throw new InvalidOperationException($"Mqtt:Tls:ClientCaFile {file} holds no certificate");
    }

    /// <summary>Whether a client certificate chains to one of <paramref name="authorities"/> alone (not the machine's store) and is valid now.</summary>
    public static bool IsTrusted(X509Certificate2 client, X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(client);
    }

    private static void MakeSelfSigned(MqttTlsOptions options, string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=IotAi MQTT gateway", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName(Environment.MachineName);
        foreach (var host in options.HostNames)
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
        Directory.CreateDirectory(Path.GetDirectoryName(keyPath)!);
        WriteOwnerOnly(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
    }

    private static void WriteOwnerOnly(string path, string content)
    {
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, create));
        writer.Write(content);
    }
}

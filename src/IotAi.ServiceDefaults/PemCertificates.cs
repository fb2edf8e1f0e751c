using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IotAi.ServiceDefaults;

/// <summary>
/// A server certificate from PEM files as a Kubernetes TLS Secret mounts them: <c>tls.crt</c>, the certificate then
/// the intermediates it chains through, and <c>tls.key</c>, its private key. Every TLS listener loads it the same way
/// (the silo's MQTT on 8883 and its HTTPS), and a file that is missing or holds no certificate or key stops the start
/// with an error naming the setting and the file.
/// </summary>
public static class PemCertificates
{
    /// <summary>
    /// The first certificate in <paramref name="certificateFile"/> with the key in <paramref name="keyFile"/>;
    /// <paramref name="section"/> (e.g. <c>Mqtt:Tls</c>) names the settings in an error.
    /// </summary>
    public static X509Certificate2 LoadServerCertificate(string certificateFile, string keyFile, string section)
    {
        RequireFile(certificateFile, $"{section}:CertificateFile");
        RequireFile(keyFile, $"{section}:KeyFile");
        try
        {
            return Exportable(X509Certificate2.CreateFromPemFile(certificateFile, keyFile));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"{section}:CertificateFile {certificateFile} and {section}:KeyFile {keyFile} must be a PEM certificate and its private key: {ex.Message}", ex);
        }
    }

    /// <summary>The certificates after the first in <paramref name="certificateFile"/>: the intermediates a server sends with its own, so clients need only the root.</summary>
    public static X509Certificate2Collection LoadChain(string certificateFile)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificateFile);
        if (chain.Count > 0)
        {
            using var leaf = chain[0];
            chain.RemoveAt(0);
        }

        return chain;
    }

    private static void RequireFile(string? path, string setting)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException($"{setting} must name a PEM file");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{setting} {path} does not exist (or cannot be seen by this process)");
        }
    }

    /// <summary>SslStream on Linux wants a key it can export; a PEM-loaded certificate's key is ephemeral, so round-trip it through PKCS#12.</summary>
    private static X509Certificate2 Exportable(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }
}

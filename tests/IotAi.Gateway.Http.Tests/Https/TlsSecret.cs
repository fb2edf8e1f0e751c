using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IotAi.Gateway.Http.Tests.Https;

/// <summary>
/// A server certificate written as a Kubernetes TLS Secret mounts it: <c>tls.crt</c> (the certificate, then any
/// intermediates) and <c>tls.key</c>, in a directory of the test's own.
/// </summary>
internal sealed class TlsSecret : IDisposable
{
    private TlsSecret(string directory, X509Certificate2 certificate, X509Certificate2? root)
    {
        Directory = directory;
        Certificate = certificate;
        Root = root;
    }

    public string Directory { get; }

    public string CertificateFile => Path.Combine(Directory, "tls.crt");

    public string KeyFile => Path.Combine(Directory, "tls.key");

    /// <summary>The server's own certificate, as the silo should present it.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The root it chains to, when it was issued through an intermediate; the client trusts this alone.</summary>
    public X509Certificate2? Root { get; }

    /// <summary>A self-signed certificate for 127.0.0.1.</summary>
    public static TlsSecret SelfSigned(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = ServerRequest(key).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Write(directory, key, certificate.ExportCertificatePem());
        return new TlsSecret(directory, X509CertificateLoader.LoadCertificate(certificate.RawData), null);
    }

    /// <summary>A certificate from an intermediate CA under a root CA, with the intermediate after it in <c>tls.crt</c>, as cert-manager writes it.</summary>
    public static TlsSecret ThroughIntermediate(string directory)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = Authority("CN=IotAi test root CA", rootKey).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediatePublic = Authority("CN=IotAi test intermediate CA", intermediateKey).Create(root, DateTimeOffset.UtcNow.AddMinutes(-4), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = ServerRequest(key).Create(intermediate, DateTimeOffset.UtcNow.AddMinutes(-3), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        Write(directory, key, certificate.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem());
        return new TlsSecret(directory, X509CertificateLoader.LoadCertificate(certificate.RawData), X509CertificateLoader.LoadCertificate(root.RawData));
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Root?.Dispose();
    }

    private static CertificateRequest ServerRequest(ECDsa key)
    {
        var request = new CertificateRequest("CN=iotai-silo.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request;
    }

    private static CertificateRequest Authority(string name, ECDsa key)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request;
    }

    private static void Write(string directory, ECDsa key, string certificates)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tls.crt"), certificates);
        File.WriteAllText(Path.Combine(directory, "tls.key"), key.ExportPkcs8PrivateKeyPem());
    }
}

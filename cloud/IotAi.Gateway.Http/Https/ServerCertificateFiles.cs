using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Http.Https;

/// <summary>
/// The HTTPS certificate as its PEM files hold it now. cert-manager renews a certificate weeks before it expires and
/// Kubernetes updates the mounted Secret in place, so a silo that runs for months takes the new one without a restart:
/// at a handshake, at most once a second, both files are read and compared with what was loaded, and loaded again when
/// they differ. Their contents are compared, not their times or sizes: the mounted names are symlinks, which stay the
/// same when Kubernetes swaps the directory behind them. A pair that does not load (a certificate written before its
/// key) leaves the one in use serving, and is said once.
/// </summary>
internal sealed partial class ServerCertificateFiles
{
    private const long CheckEveryMilliseconds = 1000;

    private readonly string _certificateFile;
    private readonly string _keyFile;
    private readonly ILogger _logger;
    private volatile Loaded _loaded;
    private byte[]? _refused;
    private long _checkedAt = Environment.TickCount64;

    /// <summary>Loads the pair now, so a missing or broken one stops the start with an error naming the setting.</summary>
    public ServerCertificateFiles(string certificateFile, string keyFile, ILogger logger)
    {
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _logger = logger;
        _loaded = Load();
    }

    /// <summary>The certificate served now.</summary>
    public X509Certificate2 Certificate => _loaded.Certificate;

    /// <summary>The certificate and its intermediates to serve this handshake, after checking the files if a second has passed.</summary>
    public SslStreamCertificateContext Current()
    {
        var now = Environment.TickCount64;
        var checkedAt = Interlocked.Read(ref _checkedAt);
        if (now - checkedAt >= CheckEveryMilliseconds && Interlocked.CompareExchange(ref _checkedAt, now, checkedAt) == checkedAt)
        {
            ReloadIfChanged();
        }

        return _loaded.Context;
    }

    private void ReloadIfChanged()
    {
        byte[] digest;
        try
        {
            digest = Digest();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Mid-swap, or briefly unreadable: the next check sees how it ends.
            return;
        }

        if (digest.AsSpan().SequenceEqual(_loaded.Digest) || digest.AsSpan().SequenceEqual(_refused))
        {
            return;
        }

        try
        {
            _loaded = Load();
            LogReloaded(_certificateFile, _loaded.Certificate.Subject, _loaded.Certificate.NotAfter);
        }
        catch (Exception ex) when (ex is InvalidOperationException or CryptographicException or IOException)
        {
            _refused = digest;
            LogNotReloaded(ex, _certificateFile);
        }
    }

    private Loaded Load()
    {
        var certificate = PemCertificates.LoadServerCertificate(_certificateFile, _keyFile, HttpsOptions.SectionName);
        var context = SslStreamCertificateContext.Create(certificate, PemCertificates.LoadChain(_certificateFile), offline: true);
        return new Loaded(certificate, context, Digest());
    }

    /// <summary>The SHA-256 of both files together: what a change is told by, without keeping the key's bytes around.</summary>
    private byte[] Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(_certificateFile));
        hash.AppendData(File.ReadAllBytes(_keyFile));
        return hash.GetHashAndReset();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS now serves the certificate in {CertificateFile} ({Subject}, valid until {NotAfter})")]
    private partial void LogReloaded(string certificateFile, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTPS keeps its certificate: {CertificateFile} changed but did not load with its key")]
    private partial void LogNotReloaded(Exception exception, string certificateFile);

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context, byte[] Digest);
}

using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IotAi.Edge.Tests;
using IotAi.Gateway.Http.Security;

namespace IotAi.Gateway.Http.Tests.Https;

/// <summary>
/// The silo serves its API over HTTPS with the certificate of a TLS Secret's PEM files: the one presented is the one in
/// the files, its intermediates go with it, plain HTTP can be turned off, and a bad certificate stops the start.
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-e2e-https-");
    private readonly string _adminKey = ApiKeyHash.NewKey();
    private readonly int _httpsPort = FreePort.Next();

    [Fact]
    public async Task The_API_answers_over_HTTPS_with_the_certificate_of_the_PEM_files()
    {
        using var secret = TlsSecret.SelfSigned(Path.Combine(_data.FullName, "secret"));
        await using var silo = await StartAsync(secret);
        X509Certificate2? presented = null;
        using var https = Client(_adminKey, (certificate, _) =>
        {
            presented = X509CertificateLoader.LoadCertificate(certificate.RawData);
            return certificate.Thumbprint == secret.Certificate.Thumbprint;
        });

        var answer = await https.GetAsync(new Uri("/api/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.NotNull(presented);
        Assert.Equal(secret.Certificate.RawData, presented.RawData);
        presented.Dispose();
    }

    [Fact]
    public async Task The_intermediates_in_the_certificate_file_are_sent_so_a_client_needs_only_the_root()
    {
        using var secret = TlsSecret.ThroughIntermediate(Path.Combine(_data.FullName, "secret"));
        await using var silo = await StartAsync(secret);
        using var https = Client(_adminKey, (certificate, sent) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(secret.Root!);
            // Only what the server sent besides its own certificate: the client knows no intermediate of its own.
            chain.ChainPolicy.ExtraStore.AddRange(sent);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate);
        });

        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync(new Uri("/api/models", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task With_plain_HTTP_disabled_the_API_port_is_closed_and_the_metrics_port_stays_plain_for_scrapers()
    {
        using var secret = TlsSecret.SelfSigned(Path.Combine(_data.FullName, "secret"));
        var metricsPort = FreePort.Next();
        await using var silo = await StartAsync(secret, new()
        {
            ["Gateway:Https:DisableHttp"] = "true",
            ["Gateway:MetricsPort"] = metricsPort.ToString(CultureInfo.InvariantCulture),
        });
        using var https = Client(_adminKey, (certificate, _) => certificate.Thumbprint == secret.Certificate.Thumbprint);
        using var plain = silo.Connect(_adminKey);
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync(new Uri("/api/models", UriKind.Relative))).StatusCode);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri("/api/models", UriKind.Relative)));
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, (refused.InnerException as System.Net.Sockets.SocketException)?.SocketErrorCode);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_without_a_restart_once_the_mounted_Secret_changes_and_a_broken_one_is_not()
    {
        // Laid out as the kubelet mounts a Secret: tls.crt and tls.key link into ..data, a link to the current version.
        var mount = Directory.CreateDirectory(Path.Combine(_data.FullName, "mount")).FullName;
        using var first = TlsSecret.SelfSigned(Path.Combine(mount, "..2025_01_01_first"));
        Directory.CreateSymbolicLink(Path.Combine(mount, "..data"), "..2025_01_01_first");
        File.CreateSymbolicLink(Path.Combine(mount, "tls.crt"), "..data/tls.crt");
        File.CreateSymbolicLink(Path.Combine(mount, "tls.key"), "..data/tls.key");
        using var logs = new RecordingLoggerProvider();
        await using var silo = await StartAsync(Path.Combine(mount, "tls.crt"), Path.Combine(mount, "tls.key"), logs: logs);
        Assert.Equal(first.Certificate.Thumbprint, await PresentedAsync());

        using var renewed = TlsSecret.SelfSigned(Path.Combine(mount, "..2025_03_01_renewed"));
        using var broken = TlsSecret.SelfSigned(Path.Combine(mount, "..2025_02_01_broken"));
        File.Copy(first.KeyFile, broken.KeyFile, overwrite: true);
        Point(mount, "..2025_02_01_broken");
        await Eventually.TrueAsync(async () => (await PresentedAsync()) is not null && logs.Entries.Any(e => e.Message.Contains("HTTPS keeps its certificate", StringComparison.Ordinal)),
            "a certificate that does not match its key was never refused", seconds: 30);
        Assert.Equal(first.Certificate.Thumbprint, await PresentedAsync());

        Point(mount, "..2025_03_01_renewed");
        await Eventually.TrueAsync(async () => await PresentedAsync() == renewed.Certificate.Thumbprint, "the renewed certificate was never served", seconds: 30);
    }

    [Theory]
    [InlineData("missing", "Gateway:Https:CertificateFile", "does not exist")]
    [InlineData("not PEM", "Gateway:Https:CertificateFile", "must be a PEM certificate and its private key")]
    [InlineData("another key", "Gateway:Https:KeyFile", "must be a PEM certificate and its private key")]
    [InlineData("unset", "Gateway:Https:CertificateFile", "must name a PEM file")]
    [InlineData("no port", "Gateway:Https:DisableHttp", "only with Gateway:Https:Port set")]
    public async Task Settings_that_cannot_serve_HTTPS_stop_the_start_with_an_error_naming_the_setting_and_the_file(string fault, string setting, string why)
    {
        using var secret = TlsSecret.SelfSigned(Path.Combine(_data.FullName, "secret"));
        using var stranger = TlsSecret.SelfSigned(Path.Combine(_data.FullName, "stranger"));
        var certificateFile = fault switch
        {
            "missing" => Path.Combine(_data.FullName, "no-such-dir", "tls.crt"),
            "not PEM" => secret.KeyFile,
            "unset" or "no port" => null,
            _ => secret.CertificateFile,
        };
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Https:Port"] = fault == "no port" ? null : _httpsPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Https:CertificateFile"] = certificateFile,
            ["Gateway:Https:KeyFile"] = fault == "another key" ? stranger.KeyFile : secret.KeyFile,
            ["Gateway:Https:DisableHttp"] = fault == "no port" ? "true" : null,
        };

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(_data.FullName, settings, adminKey: _adminKey));

        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
        Assert.Contains(why, failure.Message, StringComparison.Ordinal);
        Assert.Contains(certificateFile ?? "", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Delete(recursive: true);

    /// <summary>Points the mount's <c>..data</c> at <paramref name="version"/>; the kubelet renames a new link over the old, this replaces it.</summary>
    private static void Point(string mount, string version)
    {
        var data = Path.Combine(mount, "..data");
        Directory.Delete(data);
        Directory.CreateSymbolicLink(data, version);
    }

    private Task<GatewayHost> StartAsync(TlsSecret secret, Dictionary<string, string?>? more = null) =>
        StartAsync(secret.CertificateFile, secret.KeyFile, more);

    private Task<GatewayHost> StartAsync(string certificateFile, string keyFile, Dictionary<string, string?>? more = null, RecordingLoggerProvider? logs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Security:Api:Keys:root:Hash"] = ApiKeyHash.Of(_adminKey),
            ["Security:Api:Keys:root:Role"] = ApiRoles.Admin,
            ["Gateway:Https:Port"] = _httpsPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Https:CertificateFile"] = certificateFile,
            ["Gateway:Https:KeyFile"] = keyFile,
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return GatewayHost.StartAsync(_data.FullName, settings, adminKey: _adminKey, logs: logs);
    }

    /// <summary>The thumbprint of the certificate the silo presents to a new connection now.</summary>
    private async Task<string?> PresentedAsync()
    {
        string? presented = null;
        using var https = Client(_adminKey, (certificate, _) =>
        {
            presented = certificate.Thumbprint;
            return true;
        });
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync(new Uri("/api/models", UriKind.Relative))).StatusCode);
        return presented;
    }

    /// <summary>
    /// An HTTPS client of the silo's that trusts what <paramref name="trust"/> says of the certificate presented and the
    /// others the server sent with it, and nothing from the machine's store.
    /// </summary>
    private HttpClient Client(string apiKey, Func<X509Certificate2, X509Certificate2Collection, bool> trust)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
                certificate is not null && trust(certificate, new X509Certificate2Collection(chain?.ChainPolicy.ExtraStore.Where(c => c.Thumbprint != certificate.Thumbprint).ToArray() ?? [])),
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_httpsPort}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }
}

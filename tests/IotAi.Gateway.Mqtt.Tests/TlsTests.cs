using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Grains;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// MQTT over TLS as a silo ships it: a self-signed certificate made on first start that clients can pin, devices
/// that prove a secret inside TLS, and devices whose certificate from the configured CA is their identity,
/// while a certificate from any other CA fails the handshake and leaves the others alone.
/// </summary>
public sealed class TlsTests : IAsyncLifetime, IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-tls-");
    private readonly int _tlsPort = FreePort.Next();
    private readonly TestAuthority _trusted = new("IotAi test devices CA");
    private readonly TestAuthority _stranger = new("Somebody else's CA");
    private GatewayHost _silo = null!;
    private X509Certificate2 _server = null!;

    public async Task InitializeAsync()
    {
        var caFile = Path.Combine(_data.FullName, "device-ca.pem");
        await File.WriteAllTextAsync(caFile, _trusted.Certificate.ExportCertificatePem());
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            ["Mqtt:Authentication:Mode"] = "Credentials",
            ["Mqtt:Authentication:Iterations"] = "1000",
            ["Mqtt:Tls:Enabled"] = "true",
            ["Mqtt:Tls:Port"] = _tlsPort.ToString(CultureInfo.InvariantCulture),
            ["Mqtt:Tls:ClientCaFile"] = caFile,
        });
        _server = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_data.FullName, "keys", TlsCertificates.SelfSignedFileName));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _server.Dispose();
        _data.Delete(recursive: true);
    }

    public void Dispose()
    {
        _trusted.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public async Task A_device_proves_its_secret_inside_tls_to_the_self_signed_certificate_it_pinned()
    {
        var secret = (await _silo.Services.GetRequiredService<DeviceCredentials>().EnrolAsync("tls-secret")).Secret;

        using var client = await ConnectAsync("tls-secret", secret, certificate: null);

        Assert.True(client.IsConnected);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data.FullName, "keys", TlsCertificates.SelfSignedKeyFileName)));
        }
    }

    [Fact]
    public async Task A_device_certificate_from_the_configured_ca_is_its_identity_and_one_from_another_ca_fails_the_handshake()
    {
        using var trustedCertificate = _trusted.Issue("tls-cert-device");
        using var strangerCertificate = _stranger.Issue("tls-stranger");
        using var device = await ConnectAsync("tls-cert-device", secret: null, trustedCertificate);

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync("tls-stranger", secret: null, strangerCertificate));
        using var impostor = _trusted.Issue("someone-else");
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync("tls-cert-victim", secret: null, impostor));

        await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("devices/tls-cert-device/up/telemetry")
            .WithPayload("""{"seq":1,"values":{"temperature":45,"vibration":0.3,"current":10}}""")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.TrueAsync(async () => (await _silo.Grains.GetGrain<IDeviceGrain>("tls-cert-device").GetTwinAsync()).HighestSeq == 1,
            "the certificate device's reading did not arrive", seconds: 15);
    }

    /// <summary>Connects over TLS, trusting the silo's self-signed certificate alone; throws when the gateway refuses.</summary>
    private async Task<IMqttClient> ConnectAsync(string clientId, string? secret, X509Certificate2? certificate)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithTargetHost("localhost")
            .WithTrustChain([_server])
            .WithCertificateValidationHandler(e => e.Certificate is not null && new X509Certificate2(e.Certificate).Thumbprint == _server.Thumbprint);
        if (certificate is not null)
        {
            tls.WithClientCertificates([certificate]);
        }

        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _tlsPort).WithClientId(clientId)
            .WithCredentials(secret is null ? null : clientId, secret).WithTlsOptions(tls.Build()).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        var result = await client.ConnectAsync(options);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"refused: {result.ResultCode}");
        }

        return client;
    }

    /// <summary>A certificate authority of the test's own, issuing client certificates whose common name is a device id.</summary>
    private sealed class TestAuthority : IDisposable
    {
        private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public TestAuthority(string name)
        {
            var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        }

        public X509Certificate2 Certificate { get; }

        public X509Certificate2 Issue(string deviceId)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={deviceId}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
            using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
            using var withKey = issued.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        public void Dispose()
        {
            Certificate.Dispose();
            _key.Dispose();
        }
    }
}

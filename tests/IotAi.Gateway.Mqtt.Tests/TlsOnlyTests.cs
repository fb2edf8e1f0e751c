using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Tests.Shared;
using MQTTnet;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>Production's listeners: plain MQTT turned off, so devices reach the silo over TLS or not at all.</summary>
public sealed class TlsOnlyTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-tls-only-");
    private readonly int _tlsPort = FreePort.Next();
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Mqtt:PlainEnabled"] = "false",
        ["Mqtt:Tls:Enabled"] = "true",
        ["Mqtt:Tls:Port"] = _tlsPort.ToString(CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task With_plain_MQTT_off_the_plain_port_is_closed_and_a_device_connects_over_TLS()
    {
        using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await plain.ConnectAsync("127.0.0.1", _silo.MqttPort));
        using var server = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_data.FullName, "keys", TlsCertificates.SelfSignedFileName));
        using var client = new MqttClientFactory().CreateMqttClient();
        var tls = new MqttClientTlsOptionsBuilder().UseTls().WithTargetHost("localhost")
            .WithCertificateValidationHandler(e => e.Certificate is not null && new X509Certificate2(e.Certificate).Thumbprint == server.Thumbprint).Build();

        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _tlsPort).WithClientId("tls-only-1")
            .WithTlsOptions(tls).WithTimeout(TimeSpan.FromSeconds(10)).Build());

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
    }

    [Fact]
    public async Task With_neither_plain_MQTT_nor_TLS_the_silo_refuses_to_start_and_names_both_settings()
    {
        var data = Directory.CreateTempSubdirectory("iotai-no-listener-");
        try
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayHost.StartAsync(data.FullName, new Dictionary<string, string?> { ["Mqtt:PlainEnabled"] = "false" }));

            Assert.Contains("Mqtt:PlainEnabled", failure.Message, StringComparison.Ordinal);
            Assert.Contains("Mqtt:Tls:Enabled", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}

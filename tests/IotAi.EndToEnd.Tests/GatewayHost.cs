using IotAi.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.EndToEnd.Tests;

/// <summary>A whole silo as <c>iotai silo</c> runs it, on free loopback ports and a data directory of the test's choosing.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayHost(IHost host, int mqttPort, int httpPort)
    {
        _host = host;
        MqttPort = mqttPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
    }

    public int MqttPort { get; }

    /// <summary>A client for the silo's HTTP endpoints.</summary>
    public HttpClient Http { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    public static async Task<GatewayHost> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(GatewayHost).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = dataDirectory,
            ["Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:BindAddress"] = "127.0.0.1",
            ["Gateway:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:HttpBindAddress"] = "127.0.0.1",
            ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = $"e2e-{Guid.NewGuid():N}",
            // Small chunks, so even the default models travel in many pieces.
            ["Models:Ota:ChunkSize"] = "16384",
            // Devices connect without enrolling unless a test is about identity (IdentityTests turn it back on).
            ["Mqtt:Authentication:Mode"] = "None",
            // Plain MQTT only, so parallel silos do not fight over 8883; TlsTests give theirs a port of its own.
            ["Mqtt:Tls:Enabled"] = "false",
            // Tests sharing a silo keep labelled samples of their own; no run starts unless a test asks.
            ["Learning:Training:CheckInterval"] = "1.00:00:00",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddIotAiSilo();
        var host = builder.Build();
        host.MapIotAiEndpoints();
        await host.StartAsync();
        return new GatewayHost(host, mqttPort, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
    }
}

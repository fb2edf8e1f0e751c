using IotAi.Gateway.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.EndToEnd.Tests;

/// <summary>A whole silo as <c>iotai silo</c> runs it, on free loopback ports and a data directory of the test's choosing.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayHost(IHost host, int mqttPort)
    {
        _host = host;
        MqttPort = mqttPort;
    }

    public int MqttPort { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<GatewayHost> StartAsync(string dataDirectory)
    {
        var mqttPort = FreePort.Next();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = dataDirectory,
            ["Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:BindAddress"] = "127.0.0.1",
            ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = $"e2e-{Guid.NewGuid():N}",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddIotAiSilo();
        var host = builder.Build();
        await host.StartAsync();
        return new GatewayHost(host, mqttPort);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

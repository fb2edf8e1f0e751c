using IotAi.Edge;
using IotAi.Edge.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Tests.Shared;

/// <summary>A real edge agent as <c>iotai edge</c> runs it, quiet (its sensor ticks once an hour), trusting the keys it is given.</summary>
internal sealed class EdgeAgentHost : IAsyncDisposable
{
    private readonly IHost _host;

    private EdgeAgentHost(IHost host) => _host = host;

    public EdgeModelRuntime Models => _host.Services.GetRequiredService<EdgeModelRuntime>();

    public EdgeModelStore Store => _host.Services.GetRequiredService<EdgeModelStore>();

    public static IHost Build(string deviceId, int port, string dataDirectory, params string[] trustedKeyFiles) =>
        Build(deviceId, port, dataDirectory, new Dictionary<string, string?>(), trustedKeyFiles);

    /// <summary>As the other overload, with <c>Edge:</c> settings of the test's own on top.</summary>
    public static IHost Build(string deviceId, int port, string dataDirectory, IReadOnlyDictionary<string, string?> overrides, params string[] trustedKeyFiles)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = deviceId,
            ["Edge:Host"] = "127.0.0.1",
            ["Edge:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:DataDirectory"] = dataDirectory,
            ["Edge:Sources:0"] = "sensor",
            ["Edge:SensorInterval"] = "01:00:00",
            ["Edge:FetchWindow"] = "4",
        };
        for (var i = 0; i < trustedKeyFiles.Length; i++)
        {
            settings[$"Edge:TrustedKeyFiles:{i}"] = trustedKeyFiles[i];
        }

        foreach (var (key, value) in overrides)
        {
            settings["Edge:" + key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IResultSink>(NullResultSink.Instance);
        builder.Services.AddEdgeAgent();
        return builder.Build();
    }

    public static async Task<EdgeAgentHost> StartAsync(IHost host)
    {
        await host.StartAsync();
        return new EdgeAgentHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

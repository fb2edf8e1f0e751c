using System.Globalization;
using System.Text.Json;
using IotAi.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Tests;

/// <summary>
/// A generic host running one edge agent, wired as its program wires it: <see cref="EdgeTelemetryExtensions.AddEdgeTelemetry"/>
/// and <see cref="EdgeServiceCollectionExtensions.AddEdgeAgent"/>.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly DirectoryInfo? _ownData;
    private bool _started;

    private AgentHost(IHost host, DirectoryInfo? ownData)
    {
        _host = host;
        _ownData = ownData;
    }

    public EdgeAgent Agent => _host.Services.GetRequiredService<EdgeAgent>();

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Builds the host as the agent's program does; <paramref name="settings"/> are <c>Edge:</c> keys that override
    /// the test defaults, <paramref name="environment"/> keys outside <c>Edge:</c>, as environment variables give them.
    /// </summary>
    public static AgentHost Create(
        int port,
        string deviceId,
        IReadOnlyDictionary<string, string?>? settings = null,
        ILoggerProvider? logs = null,
        IResultSink? sink = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = deviceId,
            ["Edge:Host"] = "127.0.0.1",
            ["Edge:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Edge:ReconnectDelay"] = "00:00:00.050",
            ["Edge:MaxReconnectDelay"] = "00:00:00.250",
            ["Edge:ConnectTimeout"] = "00:00:05",
            // Numbers from 1, so tests can state them; numbering from the clock has its own test.
            ["Edge:Queue:SeedSequenceFromClock"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values["Edge:" + key] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        // Each agent gets a queue and model store of its own unless the test shares one on purpose.
        var ownData = values.ContainsKey("Edge:DataDirectory") ? null : Directory.CreateTempSubdirectory("iotai-agent-");
        if (ownData is not null)
        {
            values["Edge:DataDirectory"] = ownData.FullName;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(values);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        // Registered first, so AddEdgeAgent keeps it instead of the console sink.
        builder.Services.AddSingleton(sink ?? NullResultSink.Instance);
        builder.AddEdgeTelemetry();
        builder.Services.AddEdgeAgent();
        return new AgentHost(builder.Build(), ownData);
    }

    public static async Task<AgentHost> StartAsync(int port, string deviceId, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = Create(port, deviceId, settings);
        await host.StartAsync();
        return host;
    }

    public async Task StartAsync()
    {
        await _host.StartAsync();
        _started = true;
    }

    public async ValueTask DisposeAsync()
    {
        // The generic host cannot stop one that failed to start.
        if (_started)
        {
            await _host.StopAsync();
        }

        _host.Dispose();
        _ownData?.Delete(recursive: true);
    }

    public static string NewDeviceId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Every telemetry uplink <paramref name="deviceId"/> has published so far, repeats included, in arrival order.</summary>
    public static List<Telemetry> Readings(TestBroker broker, string deviceId) =>
        [.. broker.PublishedBy(deviceId).Where(p => p.Topic == DeviceTopics.Telemetry(deviceId)).Select(ReadTelemetry)];

    public static Telemetry ReadTelemetry(RecordedPublish publish) =>
        JsonSerializer.Deserialize(publish.Payload, ProtocolJson.Wire.Telemetry)
        ?? throw new InvalidOperationException("The payload is JSON null.");

    /// <summary>The sequence number of a telemetry or image uplink, or 0 for anything else.</summary>
    public static long SeqOf(RecordedPublish publish) => publish.Topic.EndsWith(DeviceTopics.TelemetrySuffix, StringComparison.Ordinal)
        ? ReadTelemetry(publish).Seq ?? 0
        : publish.UserProperties.TryGetValue(UserProperties.Seq, out var seq) ? long.Parse(seq, CultureInfo.InvariantCulture) : 0;
}

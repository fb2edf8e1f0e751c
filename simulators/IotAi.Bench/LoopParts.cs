using System.Diagnostics;
using System.Globalization;
using IotAi.Client;
using IotAi.Edge;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Bench;

/// <summary>What the learning-loop benchmarks share: edge agents in the benchmark's own process beside a silo process, and waiting on the silo.</summary>
internal static class LoopParts
{
    /// <summary>An edge agent connected to the silo on <paramref name="port"/>, trusting <paramref name="key"/>, with <paramref name="settings"/> for its sources.</summary>
    public static async Task<IHost> StartAgentAsync(string id, int port, string data, string key, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = id,
            ["Edge:Host"] = "127.0.0.1",
            ["Edge:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Edge:DataDirectory"] = Path.Combine(data, "edge"),
            ["Edge:TrustedKeyFiles:0"] = key,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IResultSink>(NullResultSink.Instance);
        builder.Services.AddEdgeAgent();
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    /// <summary>Whether the silo says it is ready; false while its HTTP side is not yet listening.</summary>
    public static async Task<bool> ReadyAsync(IotAiClient api, CancellationToken cancellationToken)
    {
        try
        {
            return await api.IsReadyAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; past <paramref name="limit"/> throws, or returns when <paramref name="throwOnTimeout"/> is off.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, CancellationToken cancellationToken, bool throwOnTimeout = true)
    {
        var started = Stopwatch.GetTimestamp();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                if (throwOnTimeout)
                {
                    throw new TimeoutException($"The learning loop did not move on within {limit.TotalMinutes:0} minutes.");
                }

                return;
            }

            await poll.WaitForNextTickAsync(cancellationToken);
        }
    }
}

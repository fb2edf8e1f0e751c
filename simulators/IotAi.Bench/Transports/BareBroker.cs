using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.AspNetCore;
using MQTTnet.Server;

namespace IotAi.Bench.Transports;

/// <summary>Which listener carries a bare broker's connections.</summary>
public enum BrokerTransport
{
    /// <summary>A socket read through a stream into MQTTnet's channel adapter: the path the silo's listener takes.</summary>
    Tcp,

    /// <summary>MQTTnet.AspNetCore on Kestrel's socket transport, packets parsed from pipelines.</summary>
    Kestrel,
}

/// <summary>
/// A bare MQTTnet broker on one transport, with nothing behind it: each publish is read, acknowledged and dropped, as
/// the silo takes a device's reading off MQTTnet before any subscription is matched (MQTTnet matches a publish against
/// every session's subscriptions, a cost of its dispatch, not of the transport). <see cref="BareBrokerProcess"/> runs
/// it in a process of its own, so its CPU and memory are read apart from the load's. It answers each <c>stats</c>
/// line on its standard input with its runtime's counters.
/// </summary>
public static class BareBroker
{
    public const string StatsRequest = "stats";

    public static async Task RunAsync(BrokerTransport transport, int port, CancellationToken cancellationToken)
    {
        await using var running = await StartAsync(transport, port, cancellationToken);
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == StatsRequest)
            {
                Console.WriteLine(BrokerStats.Now().ToLine());
            }
        }
    }

    /// <summary>Starts the broker on a loopback port; disposing it stops it.</summary>
    internal static async Task<IAsyncDisposable> StartAsync(BrokerTransport transport, int port, CancellationToken cancellationToken) =>
        transport == BrokerTransport.Tcp ? await StartTcpAsync(port) : await StartKestrelAsync(port, cancellationToken);

    private static async Task<IAsyncDisposable> StartTcpAsync(int port)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        server.InterceptingPublishAsync += DropAsync;
        await server.StartAsync();
        return new Stopping(async () =>
        {
            await server.StopAsync();
            server.Dispose();
        });
    }

    private static async Task<IAsyncDisposable> StartKestrelAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseMqtt()));
        builder.Services.AddHostedMqttServer(options => options.WithoutDefaultEndpoint());
        builder.Services.AddMqttConnectionHandler();
        builder.Services.AddConnections();
        var app = builder.Build();
        app.UseMqttServer(static server => server.InterceptingPublishAsync += DropAsync);
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>Acknowledged, then dropped: no subscription is matched.</summary>
    private static Task DropAsync(InterceptingPublishEventArgs e)
    {
        e.ProcessPublish = false;
        return Task.CompletedTask;
    }

    private sealed class Stopping(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }
}

/// <summary>A broker process's own allocation, collection and compilation counters, as one line of text between the processes.</summary>
public sealed record BrokerStats(long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Compiling)
{
    public static BrokerStats Now() =>
        new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), System.Runtime.JitInfo.GetCompilationTime());

    public string ToLine() => string.Create(CultureInfo.InvariantCulture, $"{AllocatedBytes} {Gen0} {Gen1} {Gen2} {Compiling.Ticks}");

    public static BrokerStats Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ');
        if (parts.Length != 5)
        {
            throw new FormatException($"A broker's counters are five numbers, not '{line}'.");
        }

        var c = CultureInfo.InvariantCulture;
        return new(long.Parse(parts[0], c), int.Parse(parts[1], c), int.Parse(parts[2], c), int.Parse(parts[3], c), TimeSpan.FromTicks(long.Parse(parts[4], c)));
    }

    public static BrokerStats operator -(BrokerStats after, BrokerStats before)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(before);
        return new(after.AllocatedBytes - before.AllocatedBytes, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Compiling - before.Compiling);
    }
}

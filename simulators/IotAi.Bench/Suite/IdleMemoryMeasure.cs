using System.Diagnostics;
using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Bench.Suite;

/// <summary>
/// Measure 6: what one connected, idle device costs a broker in resident memory. For the gateway that is its
/// MQTT session and its device grain (each device reports its twin on connect, which activates the grain).
/// </summary>
public static class IdleMemoryMeasure
{
    /// <summary>Descriptors the load generator and the broker need besides one per connection.</summary>
    private const int Headroom = 2000;

    private static readonly TimeSpan SettleStep = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(60);

    public static async Task<IdleMemoryComparison> RunAsync(int requested, CancellationToken cancellationToken)
    {
        var devices = DevicesWithin(requested);
        AnsiConsole.MarkupLineInterpolated($"6. Memory per idle device: {devices:N0} devices connected to each broker…");
        IdleMemory gateway;
        await using (var silo = await SuiteSilo.StartAsync(cancellationToken))
        {
            gateway = await MeasureAsync(silo, devices, cancellationToken);
        }

        await using var mosquitto = await MosquittoProcess.StartRequiredAsync(cancellationToken);
        return new IdleMemoryComparison(requested, gateway, await MeasureAsync(mosquitto, devices, cancellationToken));
    }

    /// <summary>As many of <paramref name="requested"/> devices as the open-file limit, raised as far as it goes, lets connect.</summary>
    public static int DevicesWithin(int requested)
    {
        // Each connection is a descriptor in the fleet's process and one in the broker's; both inherit this limit.
        var limit = FileLimit.Raise((ulong)(requested + Headroom));
        return (int)Math.Min(requested, (long)limit - Headroom);
    }

    internal static async Task<IdleMemory> MeasureAsync(IMeasuredServer server, int devices, CancellationToken cancellationToken)
    {
        // A few devices first, so one-off costs (JIT, pools, the first grains) land in the baseline, not in the figure.
        await using (var warm = new Fleet(Idle(server, "idle-warm", 50)))
        {
            await warm.ConnectAsync(cancellationToken);
        }

        var before = await SettledAsync(server, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await using var fleet = new Fleet(Idle(server, "idle", devices));
        await fleet.ConnectAsync(cancellationToken);
        var connecting = Stopwatch.GetElapsedTime(started);
        var after = await SettledAsync(server, cancellationToken);
        return new IdleMemory(server.Name, devices, before, after, connecting);
    }

    /// <summary>Resident memory once it stops growing: connections and grain activations finish after their CONNACK.</summary>
    private static async Task<long> SettledAsync(IMeasuredServer server, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var last = server.ResidentBytes;
        using var timer = new PeriodicTimer(SettleStep);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = server.ResidentBytes;
            if (Math.Abs(now - last) < last / 200 || Stopwatch.GetElapsedTime(started) > SettleLimit)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    private static FleetOptions Idle(IMeasuredServer server, string prefix, int devices) => new()
    {
        Host = "127.0.0.1",
        Port = server.MqttPort,
        Devices = devices,
        DevicePrefix = prefix,
        ImageEvery = 0,
        // Idle devices still ping; a long keep-alive keeps 50,000 of them from pinging the broker busy.
        KeepAlive = TimeSpan.FromMinutes(5),
        ConnectConcurrency = 200,
    };
}

using IotAi.Simulator;

namespace IotAi.Bench;

/// <summary>
/// One fleet against one broker: a warm-up run first (connections, JIT, grain activations), then a fresh run of
/// the same devices whose answers, latency and the broker's CPU are read over the measuring window only.
/// </summary>
public static class FleetBenchmark
{
    /// <summary>How long the measured run goes on after its window, so the window never sees devices stopping.</summary>
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(1);

    /// <summary>The longest a warm-up goes on waiting for a server's compiler to settle.</summary>
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(120);

    /// <summary>How often a warm-up reads the server's compilation time.</summary>
    private static readonly TimeSpan SettlePeriod = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Compiling for less than this share of a period counts as settled: the tiered compiler's last promotions, not the
    /// hot path still being recompiled. A silo under measure 1's load compiles for about half of each second over its
    /// first half minute, and settles about a minute and a quarter in.
    /// </summary>
    private const double SettledShare = 0.01;

    /// <param name="server">The broker the fleet drives.</param>
    /// <param name="options">Makes the fleet's options; called once for the warm-up and once for the measured run.</param>
    /// <param name="warmUp">
    /// The least the warm-up run sends; it goes on, up to <see cref="MaxWarmUp"/>, while the server's runtime is still
    /// compiling the code the load runs, so the window measures the server as it runs for hours, not as it starts.
    /// </param>
    /// <param name="measure">The measuring window.</param>
    /// <param name="cancellationToken">Stops the runs.</param>
    public static async Task<FleetMeasurement> MeasureAsync(IMeasuredServer server, Func<FleetOptions> options, TimeSpan warmUp, TimeSpan measure, CancellationToken cancellationToken)
    {
        var warmedFor = TimeSpan.Zero;
        if (warmUp > TimeSpan.Zero)
        {
            await using var warm = new Fleet(Aimed(options(), server, MaxWarmUp));
            using var settled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var started = TimeProvider.System.GetTimestamp();
            var warming = warm.RunAsync(settled.Token);
            await WaitUntilSettledAsync(server, warmUp, warming, cancellationToken);
            warmedFor = TimeProvider.System.GetElapsedTime(started);
            await settled.CancelAsync();
            await warming;
        }

        var fleetOptions = Aimed(options(), server, measure + Tail);
        await using var fleet = new Fleet(fleetOptions);
        await fleet.ConnectAsync(cancellationToken);
        var cpuBefore = server.Cpu;
        var run = fleet.RunAsync(cancellationToken);
        await Task.WhenAny(run, Task.Delay(measure, cancellationToken));
        var window = fleet.Statistics.Snapshot();
        var cpu = server.Cpu - cpuBefore;
        await run;

        var final = fleet.Statistics.Snapshot();
        if (final.Errors > 0 || final.SendFailures > 0)
        {
            throw new InvalidOperationException($"{server.Name} answered with errors during the benchmark: {FleetReport.ToText(final)}");
        }

        return new FleetMeasurement(
            server.Name, fleetOptions.Devices, new RateMeasurement(window.Results, window.Elapsed, cpu), window.Latency, final.Timeouts, final.Unmatched, warmedFor);
    }

    /// <summary>Waits out <paramref name="least"/>, then until the server's compiler settles, the warm-up run ends, or <see cref="MaxWarmUp"/> passes.</summary>
    internal static async Task WaitUntilSettledAsync(IMeasuredServer server, TimeSpan least, Task run, CancellationToken cancellationToken)
    {
        await Task.WhenAny(run, Task.Delay(least, cancellationToken));
        if (await server.CompilationTimeAsync(cancellationToken) is not { } before)
        {
            return;
        }

        for (var waited = least; waited < MaxWarmUp && !run.IsCompleted; waited += SettlePeriod)
        {
            await Task.WhenAny(run, Task.Delay(SettlePeriod, cancellationToken));
            var now = await server.CompilationTimeAsync(cancellationToken) ?? before;
            if (now - before < SettlePeriod * SettledShare)
            {
                return;
            }

            before = now;
        }
    }

    private static FleetOptions Aimed(FleetOptions options, IMeasuredServer server, TimeSpan duration)
    {
        options.Host = "127.0.0.1";
        options.Port = server.MqttPort;
        options.Duration = duration;
        // Each run starts its devices' seqs above the last run's, which the gateway would drop as repeats.
        options.FirstSeq = FleetOptions.SeqFromClock();
        return options;
    }
}

/// <summary>What one fleet measured against one broker.</summary>
/// <param name="Server">Which broker.</param>
/// <param name="Devices">How many devices drove it.</param>
/// <param name="Rate">Answers in the window, and the broker's own CPU time over it.</param>
/// <param name="Latency">Publish to answer, over the window.</param>
/// <param name="Timeouts">Uplinks never answered, over the whole run.</param>
/// <param name="Unmatched">Answers that matched no uplink, over the whole run.</param>
/// <param name="WarmedFor">How long the warm-up run drove the broker before the measured run.</param>
public sealed record FleetMeasurement(string Server, int Devices, RateMeasurement Rate, LatencyPercentiles Latency, long Timeouts, long Unmatched, TimeSpan WarmedFor = default);

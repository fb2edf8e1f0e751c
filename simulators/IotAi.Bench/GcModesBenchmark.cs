using System.Globalization;
using System.Text;
using IotAi.Bench.Suite;
using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>
/// Measures 5 (latency at half load) and 6 (resident memory per connected, idle device) on the silo under each garbage
/// collector setting the runtime offers, one silo after another with the same fleets: the server collector without DATAS,
/// which the silo ships with, and with it (dynamic adaptation, on by default in .NET 10), and the workstation collector,
/// alone and asked to conserve memory.
/// The settings go in as the runtime's environment variables, as a pod would set them.
/// </summary>
public static class GcModesBenchmark
{
    public static IReadOnlyList<GcMode> Modes { get; } =
    [
        new("server without DATAS (shipped)", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_GCDynamicAdaptationMode"] = "0" }),
        new("server with DATAS", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_GCDynamicAdaptationMode"] = "1" }),
        new("workstation, concurrent", new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }),
        new("workstation, `GCConserveMemory=5`", new Dictionary<string, string> { ["DOTNET_gcServer"] = "0", ["DOTNET_GCConserveMemory"] = "5" }),
    ];

    /// <summary>Measure 5's pace in the runs that chose the shipped setting: half the sensor fleet's maximum on 2 cores.</summary>
    public const double HalfLoad = 6750;

    /// <summary>Rounds of the latency figure: every setting once per round, so the machine's drift falls on all alike.</summary>
    public const int LatencyRounds = 2;

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<GcModeFigures>> RunAsync(int requested, TimeSpan measure, CancellationToken cancellationToken)
    {
        var latencies = Modes.ToDictionary(static m => m, static _ => new List<GcModeLatency>());
        for (var round = 1; round <= LatencyRounds; round++)
        {
            foreach (var mode in Modes)
            {
                AnsiConsole.MarkupLineInterpolated($"Latency at {HalfLoad:N0} readings/s, garbage collector {mode.Name}, round {round}…");
                await using var silo = await SuiteSilo.StartAsync(mode.Environment, cancellationToken);
                latencies[mode].Add(await LatencyAsync(silo, measure, cancellationToken));
            }
        }

        var devices = IdleMemoryMeasure.DevicesWithin(requested);
        var figures = new List<GcModeFigures>();
        foreach (var mode in Modes)
        {
            AnsiConsole.MarkupLineInterpolated($"Memory per idle device, {devices:N0} devices, garbage collector {mode.Name}…");
            await using var silo = await SuiteSilo.StartAsync(mode.Environment, cancellationToken);
            figures.Add(new GcModeFigures(mode, latencies[mode], await IdleMemoryMeasure.MeasureAsync(silo, devices, cancellationToken)));
        }

        return figures;
    }

    /// <summary>Measure 5 on one silo: the paced sensor fleet's latency, and the collections and pause time over the same window.</summary>
    private static async Task<GcModeLatency> LatencyAsync(SiloProcess silo, TimeSpan measure, CancellationToken cancellationToken)
    {
        // Warmed as measure 5's silo is: measure 2's saturating fleet first, until the compiler settles, so the window
        // holds no compilation and the heap has grown as a silo's does under load.
        await FleetBenchmark.MeasureAsync(silo, () => BrokerFleets.Saturating("gc-warm", FleetAnswer.Result), WarmUp, TimeSpan.FromSeconds(1), cancellationToken);
        var before = await GcCounters.ReadAsync(silo, cancellationToken);
        var run = await FleetBenchmark.MeasureAsync(silo, () => BrokerFleets.Paced("gc", FleetAnswer.Result, HalfLoad), TimeSpan.Zero, measure, cancellationToken);
        var after = await GcCounters.ReadAsync(silo, cancellationToken);
        return new GcModeLatency(run.Latency, after.Gen0 + after.Gen1 + after.Gen2 - before.Gen0 - before.Gen1 - before.Gen2,
            TimeSpan.FromSeconds(after.PauseSeconds - before.PauseSeconds), TimeSpan.FromMicroseconds(run.Rate.CpuMicrosPerItem));
    }

    public static void Append(StringBuilder text, IReadOnlyList<GcModeFigures> figures)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("## Garbage collector settings: latency at half load and memory per idle device");
        text.AppendLine();
        text.AppendLine(c, $"Measure 5 of [benchmarks.md](benchmarks.md) on a silo under each setting, {LatencyRounds} rounds with each setting once per round:");
        text.AppendLine(c, $"the sensor fleet paced at {HalfLoad:N0} readings/s after measure 2's saturating fleet has warmed the silo, latency from publish to result, and the silo's collections and");
        text.AppendLine("pause time over the same window (its `dotnet_gc_pause_time_seconds_total`). Then measure 6 on a fresh silo under each:");
        text.AppendLine(c, $"{figures[0].Memory.Devices:N0} idle devices connected (each reports its twin, which activates its grain), resident memory from the OS once it settles.");
        text.AppendLine("The settings go in as the runtime's environment variables, as a pod would set them.");
        text.AppendLine();
        text.AppendLine("| garbage collector | p50 (each round) | p99 (each round) | collections | pause in the window | CPU per reading | resident before | with the devices | per idle device |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (mode, latencies, memory) in figures)
        {
            string Each(Func<GcModeLatency, string> figure) => string.Join("; ", latencies.Select(figure));
            text.AppendLine(c, $"| {mode.Name} | {Each(l => l.Latency.P50Ms.ToString("F2", c))} ms | {Each(l => l.Latency.P99Ms.ToString("F1", c))} ms | {Each(l => l.Collections.ToString(c))} | {Each(l => l.Pause.TotalMilliseconds.ToString("F0", c))} ms | {Each(l => l.CpuPerReading.TotalMicroseconds.ToString("F0", c))} µs | {memory.BytesBefore >> 20} MiB | {memory.BytesAfter >> 20} MiB | {memory.BytesPerDevice / 1024:F1} KB |");
        }

        text.AppendLine();
    }
}

/// <summary>One setting's figures: its latency in each round, and its memory per idle device.</summary>
public sealed record GcModeFigures(GcMode Mode, IReadOnlyList<GcModeLatency> Latencies, IdleMemory Memory);

/// <summary>Measure 5 under one setting: latency, and the silo's collections, pause time and CPU per reading over the window.</summary>
public sealed record GcModeLatency(LatencyPercentiles Latency, long Collections, TimeSpan Pause, TimeSpan CpuPerReading);

/// <summary>A garbage collector setting, as the environment variables that choose it.</summary>
public sealed record GcMode(string Name, IReadOnlyDictionary<string, string> Environment);

using System.Globalization;
using System.Text;
using IotAi.Bench.Suite;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>
/// Measure 6 (resident memory per connected, idle device) on the silo under each garbage collector setting the runtime
/// offers, one silo after another with the same fleet: the workstation collector the silo ships with, the same asked to
/// conserve memory, and the server collector with and without DATAS (dynamic adaptation, on by default in .NET 10).
/// The settings go in as the runtime's environment variables, as a pod would set them.
/// </summary>
public static class GcModesBenchmark
{
    public static IReadOnlyList<GcMode> Modes { get; } =
    [
        new("workstation, concurrent (shipped)", new Dictionary<string, string>()),
        new("workstation, `GCConserveMemory=5`", new Dictionary<string, string> { ["DOTNET_GCConserveMemory"] = "5" }),
        new("server with DATAS", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_GCDynamicAdaptationMode"] = "1" }),
        new("server without DATAS", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["DOTNET_GCDynamicAdaptationMode"] = "0" }),
    ];

    public static async Task<IReadOnlyList<(GcMode Mode, IdleMemory Memory)>> RunAsync(int requested, CancellationToken cancellationToken)
    {
        var devices = IdleMemoryMeasure.DevicesWithin(requested);
        var figures = new List<(GcMode, IdleMemory)>();
        foreach (var mode in Modes)
        {
            AnsiConsole.MarkupLineInterpolated($"Memory per idle device, {devices:N0} devices, garbage collector {mode.Name}…");
            await using var silo = await SuiteSilo.StartAsync(mode.Environment, cancellationToken);
            figures.Add((mode, await IdleMemoryMeasure.MeasureAsync(silo, devices, cancellationToken)));
        }

        return figures;
    }

    public static void Append(StringBuilder text, IReadOnlyList<(GcMode Mode, IdleMemory Memory)> figures)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("## Garbage collector settings and memory per idle device");
        text.AppendLine();
        text.AppendLine(c, $"Measure 6 of [benchmarks.md](benchmarks.md) on the silo under each setting, one silo after another: {figures[0].Memory.Devices:N0} idle");
        text.AppendLine("devices connected (each reports its twin, which activates its grain), resident memory from the OS once it settles.");
        text.AppendLine();
        text.AppendLine("| garbage collector | resident before | resident with the devices | per device |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var (mode, memory) in figures)
        {
            text.AppendLine(c, $"| {mode.Name} | {memory.BytesBefore >> 20} MiB | {memory.BytesAfter >> 20} MiB | {memory.BytesPerDevice / 1024:F1} KB |");
        }

        text.AppendLine();
    }
}

/// <summary>A garbage collector setting, as the environment variables that choose it.</summary>
public sealed record GcMode(string Name, IReadOnlyDictionary<string, string> Environment);

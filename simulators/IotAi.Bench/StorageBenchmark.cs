using System.Globalization;
using System.Text;
using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>
/// What the grain state journal changes on the hot path: sensor telemetry end to end (measure 2's load) against a silo
/// that writes each twin through its journal, and the same silo writing each twin's files at every message
/// (<c>Storage:Journal=false</c>), alternated three times each so both see the same machine; then the same pair with
/// every write flushed to disk (<c>Gateway:FsyncState=true</c>), where sharing flushes matters most.
/// </summary>
public static class StorageBenchmark
{
    public static async Task<StorageFigures> RunAsync(int devices, TimeSpan measure, CancellationToken cancellationToken)
    {
        var runs = new List<StorageRun>();
        foreach (var (journal, fsync) in ((bool, bool)[])[(false, false), (true, false), (false, false), (true, false), (false, false), (true, false), (false, true), (true, true), (false, true), (true, true)])
        {
            AnsiConsole.MarkupLineInterpolated($"  journal {(journal ? "on" : "off")}, fsync {(fsync ? "on" : "off")}…");
            string[] settings = [$"--Storage:Journal={journal}", $"--Gateway:FsyncState={fsync}"];
            await using var silo = await SiloProcess.StartAsync(settings, cancellationToken);
            var fleet = new FleetOptions { Devices = devices, TelemetryInterval = TimeSpan.FromMilliseconds(5), ImageEvery = 0, MaxInFlightPerDevice = 4, FirstSeq = FleetOptions.SeqFromClock() };
            var before = await silo.ScrapeMetricsAsync(cancellationToken);
            var rate = await GatewayBenchmark.RunAsync(silo, fleet, TimeSpan.FromSeconds(3), measure, cancellationToken);
            var after = await silo.ScrapeMetricsAsync(cancellationToken);
            runs.Add(new StorageRun(journal, fsync, rate,
                Delta(before, after, "iotai_storage_journal_records_total"), Delta(before, after, "iotai_storage_journal_writes_total")));
        }

        return new StorageFigures(devices, runs);
    }

    private static double Delta(string before, string after, string name) => PrometheusText.Sum(after, name) - PrometheusText.Sum(before, name);

    public static void Append(StringBuilder text, StorageFigures figures)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## Grain state: the journal against a file write per message");
        text.AppendLine();
        text.AppendLine(c, $"Sensor telemetry end to end from {figures.Devices} devices (each a reading every 5 ms, up to 4 in flight), against a silo");
        text.AppendLine("that writes each twin through its journal (the default) and the same silo writing each twin's files at every");
        text.AppendLine("message (`Storage:Journal=false`), alternated; then both again with every write flushed (`Gateway:FsyncState=true`).");
        text.AppendLine("Records per write is the journal's group commit: how many devices' twins one write (and one flush) carried,");
        text.AppendLine("counted by the silo (`iotai.storage.journal.records` ÷ `writes`; the measuring window includes the warm-up's end).");
        text.AppendLine();
        text.AppendLine("| run | journal | fsync | answered msg/s | silo CPU µs/msg | records per write |");
        text.AppendLine("|---:|---|---|---:|---:|---:|");
        var n = 0;
        foreach (var run in figures.Runs)
        {
            var perWrite = run.Writes > 0 ? (run.Records / run.Writes).ToString("F1", c) : "–";
            text.AppendLine(c, $"| {++n} | {(run.Journal ? "on" : "off")} | {(run.Fsync ? "on" : "off")} | {run.Rate.PerSecond:N0} | {run.Rate.CpuMicrosPerItem:N0} | {perWrite} |");
        }

        text.AppendLine();
        foreach (var fsync in (bool[])[false, true])
        {
            var off = Sum(figures.Runs, journal: false, fsync);
            var on = Sum(figures.Runs, journal: true, fsync);
            if (off.Items > 0 && on.Items > 0)
            {
                text.AppendLine(c, $"Fsync {(fsync ? "on" : "off")}, journal on ÷ off: **{on.PerSecond / off.PerSecond:F2}×** the rate, **{on.CpuMicrosPerItem / off.CpuMicrosPerItem:F2}×** the CPU per message.");
                text.AppendLine();
            }
        }
    }

    private static RateMeasurement Sum(IEnumerable<StorageRun> runs, bool journal, bool fsync)
    {
        var chosen = runs.Where(r => r.Journal == journal && r.Fsync == fsync).Select(static r => r.Rate).ToList();
        return new RateMeasurement(chosen.Sum(static r => r.Items), TimeSpan.FromTicks(chosen.Sum(static r => r.Elapsed.Ticks)), TimeSpan.FromTicks(chosen.Sum(static r => r.Cpu.Ticks)));
    }
}

/// <summary>One run of <see cref="StorageBenchmark"/>: how state was written, the rate, and the journal's counts.</summary>
public sealed record StorageRun(bool Journal, bool Fsync, RateMeasurement Rate, double Records, double Writes);

public sealed record StorageFigures(int Devices, IReadOnlyList<StorageRun> Runs);

using System.Globalization;
using System.Text;

namespace IotAi.Bench;

/// <summary>The report's section on what telemetry costs.</summary>
public static class TelemetryReport
{
    public static void Append(StringBuilder text, TelemetryFigures figures)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## What telemetry costs");
        text.AppendLine();
        text.AppendLine("Sensor telemetry end to end, as above, with the silo exporting over OTLP/HTTP to a stand-in collector (the");
        text.AppendLine("traces it samples, at its default `Telemetry:TraceSampleRatio`, 1 %: ingress, device grain, inference request");
        text.AppendLine("and batch, result publish; its logs and metrics), against the same silo exporting nothing (the Prometheus");
        text.AppendLine("meters stay on in both).");
        text.AppendLine(c, $"{figures.Runs.Count} runs alternated, off first; the totals add up the runs of each kind.");
        text.AppendLine();
        text.AppendLine("| run | telemetry | answered msg/s | silo CPU µs/msg |");
        text.AppendLine("|---:|---|---:|---:|");
        var n = 0;
        foreach (var (traced, rate) in figures.Runs)
        {
            text.AppendLine(c, $"| {++n} | {(traced ? "on" : "off")} | {rate.PerSecond:N0} | {rate.CpuMicrosPerItem:N0} |");
        }

        text.AppendLine(c, $"| all | off | {figures.Off.PerSecond:N0} | {figures.Off.CpuMicrosPerItem:N0} |");
        text.AppendLine(c, $"| all | on (OTLP: spans, logs, metrics) | {figures.On.PerSecond:N0} | {figures.On.CpuMicrosPerItem:N0} |");
        text.AppendLine();
        var pairs = figures.PairRatios;
        if (pairs.Count > 0)
        {
            text.AppendLine(c, $"Each pair side by side, on ÷ off: rate {pairs.Min(static p => p.Rate):F2}× to {pairs.Max(static p => p.Rate):F2}×, CPU per message {pairs.Min(static p => p.Cpu):F2}× to {pairs.Max(static p => p.Cpu):F2}×.");
            text.AppendLine();
        }

        text.AppendLine(c, $"On ÷ off: **{figures.RateRatio:F2}×** the rate, **{figures.CpuRatio:F2}×** the CPU per message; the collector took {figures.Exports:N0} exports, {figures.ExportedBytes / 1048576.0:F1} MiB.");
    }
}

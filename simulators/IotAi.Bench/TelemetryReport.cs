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
        text.AppendLine("Four runs alternated, off, on, off, on; the figures add up each pair.");
        text.AppendLine();
        text.AppendLine("| telemetry | answered msg/s | silo CPU µs/msg |");
        text.AppendLine("|---|---:|---:|");
        text.AppendLine(c, $"| off | {figures.Off.PerSecond:N0} | {figures.Off.CpuMicrosPerItem:N0} |");
        text.AppendLine(c, $"| on (OTLP: spans, logs, metrics) | {figures.On.PerSecond:N0} | {figures.On.CpuMicrosPerItem:N0} |");
        text.AppendLine();
        text.AppendLine(c, $"On ÷ off: **{figures.RateRatio:F2}×** the rate, **{figures.CpuRatio:F2}×** the CPU per message; the collector took {figures.Exports:N0} exports, {figures.ExportedBytes / 1048576.0:F1} MiB.");
    }
}

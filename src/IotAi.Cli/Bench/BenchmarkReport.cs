using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace IotAi.Cli.Bench;

/// <summary>The results of one <c>iotai bench</c> run, written as <c>docs/benchmarks.md</c>.</summary>
internal sealed record BenchmarkReport(
    string Command,
    IReadOnlyList<(string Model, RateMeasurement Batch1, RateMeasurement Batched, int BatchSize)> Raw,
    IReadOnlyList<(string Load, string Model, RateMeasurement Gateway)> Gateway)
{
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Benchmarks");
        text.AppendLine();
        text.AppendLine(c, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine()}.");
        text.AppendLine();
        text.AppendLine("Reproduce with:");
        text.AppendLine();
        text.AppendLine("```sh");
        text.AppendLine(Command);
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("Every figure below comes from that one run. The machine is shared and noisy, so compare ratios");
        text.AppendLine("and CPU time per item rather than absolute rates.");
        text.AppendLine();
        text.AppendLine("## Raw ONNX Runtime");
        text.AppendLine();
        text.AppendLine("`InferenceSession.Run` in a tight loop on one thread, inputs prepared in advance.");
        text.AppendLine();
        text.AppendLine("| model | batch 1 (samples/s) | batched (samples/s) | batch size | batching speed-up | CPU µs/sample, batch 1 | CPU µs/sample, batched |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (model, one, many, size) in Raw)
        {
            text.AppendLine(c, $"| {model} | {one.PerSecond:N0} | {many.PerSecond:N0} | {size} | {many.PerSecond / one.PerSecond:F1}× | {one.CpuMicrosPerItem:F1} | {many.CpuMicrosPerItem:F1} |");
        }

        text.AppendLine();
        text.AppendLine("## Gateway end to end");
        text.AppendLine();
        text.AppendLine("MQTT in → device grain → batched inference → MQTT out, with the simulator as load, the silo in its");
        text.AppendLine("own process. Only answered messages count. *Silo CPU* is the silo process's own CPU time per");
        text.AppendLine("answered message; the load generator runs on the same cores.");
        text.AppendLine();
        text.AppendLine("| load | answered/s | silo CPU µs/message | raw ORT batched (samples/s) | gateway ÷ raw ORT |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (load, model, gateway) in Gateway)
        {
            var raw = Raw.First(r => r.Model == model).Batched;
            text.AppendLine(c, $"| {load} | {gateway.PerSecond:N0} | {gateway.CpuMicrosPerItem:F0} | {raw.PerSecond:N0} | {gateway.PerSecond / raw.PerSecond:F3} |");
        }

        text.AppendLine();
        text.AppendLine("## Reading the figures");
        text.AppendLine();
        text.AppendLine("- *gateway ÷ raw ORT* compares one answered MQTT message with one sample through a bare session.");
        text.AppendLine("  The sensor model costs well under a microsecond a sample in ONNX Runtime, so for telemetry the");
        text.AppendLine("  ratio measures the messaging path (MQTT decode, grain call, twin write, result publish and its");
        text.AppendLine("  acknowledgement), not inference. For images the gateway also decodes and resizes each JPEG,");
        text.AppendLine("  which the raw loop, fed prepared pixels, does not.");
        text.AppendLine("- The batching speed-up is ONNX Runtime's own: what one call of 32 samples saves over 32 calls.");
        text.AppendLine("- Every answered message has had its twin written to disk before its PUBACK left.");
        text.AppendLine();
        return text.ToString();
    }

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
    }
}

using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAi.Bench.Suite;

/// <summary>The suite's figures as docs/benchmarks.md and docs/benchmarks.json.</summary>
public static class SuiteReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(SuiteFigures figures) =>
        JsonSerializer.Serialize(new { figures.Measured, figures.Command, figures.Machine, Headlines = figures.Headlines(), Figures = figures }, Json);

    public static string ToMarkdown(SuiteFigures f)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Benchmarks");
        text.AppendLine();
        text.AppendLine(c, $"Measured {f.Measured:yyyy-MM-dd HH:mm} UTC on {f.Machine}.");
        text.AppendLine();
        text.AppendLine("Reproduce with (12 to 17 minutes on 2 cores; the same figures as JSON are in `docs/benchmarks.json`):");
        text.AppendLine();
        text.AppendLine("```sh");
        text.AppendLine(f.Command);
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("Every figure comes from that one run, each beside its baseline measured in the same run by the same load");
        text.AppendLine("generator (the simulator, in the benchmark's process). The machine is shared and noisy, and on 2 cores the load");
        text.AppendLine("generator competes with the broker it drives, so read the ratios, and the broker's own CPU time per message");
        text.AppendLine("(from the OS, for the broker's process alone), rather than absolute rates. Earlier figures (OTA, the edge agent,");
        text.AppendLine("the learning loop, telemetry's cost, hot swaps) are in [benchmarks-extras.md](benchmarks-extras.md).");
        text.AppendLine();
        text.AppendLine("## The seven measures");
        text.AppendLine();
        text.AppendLine("| # | measure | IotAi | baseline, same run | ratio | goal | met |");
        text.AppendLine("|---|---|---|---|---:|---|---|");
        foreach (var h in f.Headlines())
        {
            text.AppendLine(c, $"| {h.Number} | {h.Measure} | {h.Ours} | {h.Baseline} | {h.Ratio:F2}× | {h.Goal} | {(h.Met ? "yes" : "**no**")} |");
        }

        SuiteSections.Append(text, f);
        return text.ToString();
    }
}

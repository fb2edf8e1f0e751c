using System.Globalization;
using System.Text;

namespace IotAi.Bench;

/// <summary>The steady world's section of <c>docs/benchmarks-extras.md</c>.</summary>
public static class SteadyLoopReport
{
    public static void Append(StringBuilder text, SteadyLoopFigures steady)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## The learning loop in a world that does not drift");
        text.AppendLine();
        text.AppendLine(c, $"{steady.Devices:N0} simulated devices the cloud serves, each sending a labelled reading (every tenth a camera frame) as soon as");
        text.AppendLine(c, $"its last was answered, for {steady.Duration.TotalMinutes:F1} minutes, against a silo in its own process with the default learning settings");
        text.AppendLine("(its triggers checked every 5 s). The world never drifts, so nothing should change. Two fifths of the way in, an operator");
        text.AppendLine("asks for a run of each model on the samples kept so far, which are mostly the hard examples the capture policy keeps;");
        text.AppendLine("the fleet goes on until their verdicts, and any rollout they start, are in.");
        text.AppendLine(c, $"{steady.Results:N0} answers, {steady.Timeouts:N0} timeouts. The fleet's accuracy, graded by the simulator against each sample's truth:");
        text.AppendLine();
        text.AppendLine("| minute | answers | accuracy | sensors | images |");
        text.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var minute in steady.Minutes)
        {
            text.AppendLine(c, $"| {minute.Start.TotalMinutes + 1:F0} | {minute.Results:N0} | {Percent(minute.Accuracy)} | {Percent(minute.TelemetryAccuracy)} | {Percent(minute.ImageAccuracy)} |");
        }

        text.AppendLine();
        text.AppendLine(c, $"Last minute against the first: **{Points(steady.Last.Accuracy - steady.First.Accuracy)}** overall, **{Points(steady.Last.ImageAccuracy - steady.First.ImageAccuracy)}** on images");
        text.AppendLine(c, $"(the margin: no lower by more than {SteadyLoopFigures.Margin * 100:F1} points): **{(steady.Held ? "held" : "not held")}**.");
        text.AppendLine();
        if (steady.Runs.Count == 0)
        {
            text.AppendLine("No training run started.");
            return;
        }

        text.AppendLine("| run | model | started by | verdict | rollout |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var run in steady.Runs)
        {
            text.AppendLine(c, $"| {run.RunId} | {run.Model} | {(run.Asked ? "an operator" : "a trigger")} | {Cell(run.Verdict)} | {Cell(run.Rollout ?? "none")} |");
        }

        var triggered = steady.Runs.Count(static r => !r.Asked);
        text.AppendLine();
        text.AppendLine(c, $"Runs a trigger started: {triggered}.");

        static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal);
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "–";

    private static string Points(double? delta) => delta is { } d ? (d * 100).ToString("+0.0' points';-0.0' points'", CultureInfo.InvariantCulture) : "–";
}

using System.Globalization;
using IotAi.Grains.Rollouts;

namespace IotAi.Gateway.Learning;

/// <summary>
/// Turns what the silo says of its training runs and rollouts, read again and again, into a feed of events,
/// each said once: a run started and why, registered with the figures its gates judged, refused (by which gate) or
/// failed; a rollout's stages with what its live trial found, its completion or its rollback. It also keeps count of
/// how runs and rollouts ended (<see cref="Tally"/>). Pure, so it is tested without a silo; the demo's live view polls.
/// </summary>
public sealed class LearningEventFeed
{
    private readonly Dictionary<string, string> _said = new(StringComparer.Ordinal);

    /// <summary>How the runs and rollouts said so far ended.</summary>
    public LoopTally Tally { get; private set; } = new(0, 0, 0, 0, 0, 0);

    public IReadOnlyList<string> Observe(TriggeredRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Once($"trigger {run.RunId}", "started", $"training run {run.RunId} started: {run.Reason}");
    }

    public IReadOnlyList<string> Observe(TrainingStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var outcome = status.Outcome;
        var text = status.State switch
        {
            TrainingStates.Registered when outcome is { RegisteredVersion: { } version } =>
                $"training run {status.RunId} registered {status.Model} v{version}: {Figures(outcome)}",
            TrainingStates.Refused => Say($"training run {status.RunId} refused: {Unprefixed(status.Progress, "refused: ")}"),
            TrainingStates.Failed => Say($"training run {status.RunId} failed: {status.Progress}"),
            _ => null,
        };
        var said = text is null ? [] : Once($"run {status.RunId}", status.State, text);
        if (said.Count > 0)
        {
            Tally = status.State switch
            {
                TrainingStates.Registered => Tally with { Registered = Tally.Registered + 1 },
                TrainingStates.Refused => Tally with { Refused = Tally.Refused + 1 },
                _ => Tally with { Failed = Tally.Failed + 1 },
            };
        }

        return said;
    }

    public IReadOnlyList<string> Observe(RolloutStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var plan = status.Plan;
        var name = $"rollout {status.Id} of {plan.Model} v{plan.Version}";
        var stage = plan.Stages[Math.Min(status.Stage, plan.Stages.Count - 1)];
        // What the live trial found where the cloud serves devices, once it has found something.
        var live = status.Live is { Outcome: not QualityOutcome.Waiting } verdict ? $"; live: {verdict.Summary}" : "";
        var (state, text) = status.Phase switch
        {
            RolloutPhase.Running or RolloutPhase.Paused => ($"stage {status.Stage}", Say($"{name}: stage {stage.Name} ({stage.Percent} % of {status.Targets} devices){live}")),
            RolloutPhase.Completed => ("completed", Say($"{name} completed on {status.Targets} devices{live}")),
            RolloutPhase.RollingBack => ("rolling back", Say($"{name} is rolling back: {status.Reason}")),
            RolloutPhase.RolledBack => ("rolled back", Say($"{name} rolled back: {status.Reason}")),
            _ => ("aborted", Say($"{name} aborted: {status.Reason}")),
        };
        var said = Once($"rollout {status.Id}", state, text);
        if (said.Count > 0)
        {
            Tally = status.Phase switch
            {
                RolloutPhase.Completed => Tally with { Completed = Tally.Completed + 1 },
                RolloutPhase.RolledBack => Tally with { RolledBack = Tally.RolledBack + 1 },
                RolloutPhase.Aborted => Tally with { Aborted = Tally.Aborted + 1 },
                _ => Tally,
            };
        }

        return said;
    }

    private List<string> Once(string subject, string state, string text)
    {
        if (_said.TryGetValue(subject, out var said) && said == state)
        {
            return [];
        }

        _said[subject] = state;
        return [text];
    }

    /// <summary>Each version on what the run judged it on: recent traffic, the regression set, and the kept samples held out.</summary>
    private static string Figures(IotAi.Training.TrainingOutcome outcome)
    {
        var v = $"v{outcome.CurrentVersion}";
        var figures = new List<string>();
        if (outcome.Traffic is { } traffic)
        {
            figures.Add(Say($"recent traffic {Percent(traffic.Current.Accuracy)} with {v} → {Percent(traffic.Candidate.Accuracy)} ({traffic.Current.Samples} samples)"));
        }

        if (outcome.Regression is { } regression)
        {
            figures.Add(Say($"regression set {Percent(regression.Current.Accuracy)} → {Percent(regression.Candidate.Accuracy)}"));
        }

        figures.Add(Say($"kept samples held out {Percent(outcome.Current?.Accuracy)} → {Percent(outcome.Candidate?.Accuracy)}"));
        return string.Join(", ", figures);
    }

    private static string Unprefixed(string text, string prefix) => text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;

    private static string Percent(double? fraction) => fraction is { } f ? f.ToString("P1", CultureInfo.InvariantCulture) : "–";

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>How the learning loop's runs and rollouts ended: what its gates let through and what they stopped.</summary>
/// <param name="Registered">Runs whose candidate passed every gate.</param>
/// <param name="Refused">Runs whose candidate a gate refused.</param>
/// <param name="Failed">Runs that broke before a verdict.</param>
/// <param name="Completed">Rollouts that passed every stage's gates.</param>
/// <param name="RolledBack">Rollouts a gate turned back.</param>
/// <param name="Aborted">Rollouts stopped by hand, or superseded by a newer version.</param>
public sealed record LoopTally(int Registered, int Refused, int Failed, int Completed, int RolledBack, int Aborted)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Registered + Refused + Failed} training runs ({Registered} registered, {Refused} refused by their gates{(Failed > 0 ? $", {Failed} failed" : "")}), "
        + $"{Completed} rollouts through every gate, {RolledBack} rolled back by a gate{(Aborted > 0 ? $", {Aborted} aborted" : "")}");
}

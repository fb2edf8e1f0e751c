using System.Globalization;

namespace IotAi.Grains.Rollouts;

/// <summary>
/// What a stage's model must show against the version its devices ran before. On devices that run models, judged on the
/// devices' own answers (<c>up/model/quality</c>) once every device in the stage runs it; with no baseline (the devices ran
/// no earlier version, or too few samples of it) the stage is judged on activation alone. On devices the cloud serves,
/// judged live (<see cref="JudgeLive"/>): both versions answer the same labelled uplinks, and the new one must match or
/// beat the old.
/// </summary>
/// <param name="MinSamples">Answers the new version must give across the stage before it is judged; the stage waits for them, up to its timeout.</param>
/// <param name="MaxConfidenceShift">How much of the confidence distribution may move lower (<see cref="QualityStats.ShiftBelow"/>), 0 to 1.</param>
/// <param name="MaxHardExampleIncrease">How much the share of hard examples may rise, e.g. 0.1 for ten points.</param>
/// <param name="MaxAccuracyDrop">How much accuracy on samples with known truth may fall, when both versions have <paramref name="MinSamples"/> of them.</param>
/// <param name="MaxErrorRate">The share of samples the version may fail on, at the edge or in the cloud, with or without a baseline.</param>
/// <param name="MaxLiveAccuracyDrop">
/// How much lower than the old version's the new one's accuracy may be on the same labelled uplinks of devices the cloud
/// serves: the room chance needs where both are equally good, not a drop to accept.
/// </param>
/// <param name="LiveWait">
/// How long, from the rollout's start, a rollout to devices the cloud serves waits for a first labelled uplink; with none
/// by then there is nothing to compare, and stages are judged on activation alone. Null is two minutes.
/// </param>
[GenerateSerializer, Immutable, Alias("IotAi.QualityGates")]
public sealed record QualityGates(
    int MinSamples, double MaxConfidenceShift, double MaxHardExampleIncrease, double MaxAccuracyDrop, double MaxErrorRate = 0.01, double MaxLiveAccuracyDrop = 0.005,
    TimeSpan? LiveWait = null)
{
    public static QualityGates Default { get; } = new(100, 0.25, 0.10, 0.05, 0.01);

    private static readonly TimeSpan DefaultLiveWait = TimeSpan.FromMinutes(2);

    public void Validate()
    {
        if (MinSamples < 1 || MaxConfidenceShift is < 0 or > 1 || MaxHardExampleIncrease is < 0 or > 1 || MaxAccuracyDrop is < 0 or > 1 || MaxErrorRate is < 0 or > 1
            || MaxLiveAccuracyDrop is < 0 or > 1 || LiveWait < TimeSpan.Zero)
        {
            throw new ArgumentException("Quality gates need at least one sample, shifts, increases and drops between 0 and 1, and no negative wait.");
        }
    }

    /// <summary>
    /// Judges a rollout's version on what devices the cloud serves found of it and of the version it replaces
    /// (<paramref name="baseline"/>), on the same uplinks: its errors first; then, once there are <see cref="MinSamples"/>
    /// labelled pairs, whether its accuracy matches or beats the old one's within <see cref="MaxLiveAccuracyDrop"/>. With no
    /// labelled uplink at all after <see cref="LiveWait"/> since the rollout began (<paramref name="running"/>), there is
    /// nothing to judge on, and the version passes on activation alone.
    /// </summary>
    public LiveVerdict JudgeLive(LiveTally tally, string version, string baseline, TimeSpan running)
    {
        ArgumentNullException.ThrowIfNull(tally);
        var (v, b) = ($"v{version}", $"v{baseline}");
        if (tally.CandidateRuns >= MinSamples && tally.ErrorRate > MaxErrorRate)
        {
            return new(QualityOutcome.Failed, Say($"{v} failed on {tally.ErrorRate:P1} of the uplinks it was given (at most {MaxErrorRate:P1} allowed)"), tally, baseline);
        }

        if (tally.Pairs == 0 && running >= (LiveWait ?? DefaultLiveWait))
        {
            return new(QualityOutcome.Passed, Say($"no labelled uplink to compare {v} with {b} on within {LiveWait ?? DefaultLiveWait}: judged on activation alone"), tally, baseline);
        }

        if (tally.Pairs < MinSamples)
        {
            return new(QualityOutcome.Waiting, Say($"{tally.Pairs} of the {MinSamples} labelled uplinks needed to compare {v} with {b} live"), tally, baseline);
        }

        var drop = tally.BaselineAccuracy!.Value - tally.CandidateAccuracy!.Value;
        var figures = Say($"on {tally.Pairs} labelled uplinks {v} answered {tally.CandidateAccuracy:P1} right, {b} {tally.BaselineAccuracy:P1}");
        return drop > MaxLiveAccuracyDrop
            ? new(QualityOutcome.Failed, Say($"{figures}: worse than the version it replaces (at most {MaxLiveAccuracyDrop:P1} lower allowed)"), tally, baseline)
            : new(QualityOutcome.Passed, figures, tally, baseline);
    }

    /// <summary>Judges <paramref name="candidate"/>, the new version's figures over a stage, against <paramref name="baseline"/>, the previous versions'.</summary>
    public QualityVerdict Judge(QualityStats candidate, QualityStats baseline)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseline);
        if (candidate.Samples + candidate.Errors >= MinSamples && candidate.ErrorRate > MaxErrorRate)
        {
            return Fail($"the version failed on {candidate.ErrorRate:P1} of samples at the edge (at most {MaxErrorRate:P1} allowed)");
        }

        // The previous versions' figures stop growing once a stage's devices have swapped, so a stage short of them never gets them.
        if (baseline.Samples < MinSamples)
        {
            return new(QualityOutcome.Passed, Say($"no baseline to compare with ({baseline.Samples} answers of the previous version)"), candidate, baseline);
        }

        if (candidate.Samples < MinSamples)
        {
            return new(QualityOutcome.Waiting, Say($"{candidate.Samples} of the {MinSamples} answers needed to judge quality"), candidate, baseline);
        }

        var shift = candidate.ShiftBelow(baseline);
        if (shift > MaxConfidenceShift)
        {
            return Fail($"confidence collapsed: {shift:P0} of answers moved to lower confidence (at most {MaxConfidenceShift:P0} allowed), mean {candidate.MeanConfidence:F2} against {baseline.MeanConfidence:F2} before");
        }

        var hardIncrease = candidate.HardRate - baseline.HardRate;
        if (hardIncrease > MaxHardExampleIncrease)
        {
            return Fail($"hard examples rose from {baseline.HardRate:P1} to {candidate.HardRate:P1} (at most {MaxHardExampleIncrease:P0} more allowed)");
        }

        if (candidate.Labeled >= MinSamples && baseline.Labeled >= MinSamples && baseline.Accuracy - candidate.Accuracy > MaxAccuracyDrop)
        {
            return Fail($"accuracy fell from {baseline.Accuracy:P1} to {candidate.Accuracy:P1} (at most {MaxAccuracyDrop:P0} drop allowed)");
        }

        return new(QualityOutcome.Passed, Say($"mean confidence {candidate.MeanConfidence:F2} against {baseline.MeanConfidence:F2}, hard examples {candidate.HardRate:P1} against {baseline.HardRate:P1}, shift {shift:P0}"), candidate, baseline);

        QualityVerdict Fail(FormattableString reason) => new(QualityOutcome.Failed, Say(reason), candidate, baseline);
    }

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

public enum QualityOutcome
{
    Waiting,
    Passed,
    Failed,
}

/// <summary>The live verdict on a rollout's version where the cloud serves devices, with the pairs behind it and the version it was compared with.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.LiveVerdict")]
public sealed record LiveVerdict(QualityOutcome Outcome, string Summary, LiveTally Tally, string Baseline);

/// <summary>A stage's quality verdict, with the figures behind it.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.QualityVerdict")]
public sealed record QualityVerdict(QualityOutcome Outcome, string Summary, QualityStats Candidate, QualityStats Baseline);

using System.Globalization;

namespace IotAi.Grains.Rollouts;

/// <summary>
/// What a stage's model must show against the version its devices ran before, judged on the devices' own
/// answers (<c>up/model/quality</c>) once every device in the stage runs it. With no baseline (the devices ran
/// no earlier version, or too few samples of it) the stage is judged on activation alone.
/// </summary>
/// <param name="MinSamples">Answers the new version must give across the stage before it is judged; the stage waits for them, up to its timeout.</param>
/// <param name="MaxConfidenceShift">How much of the confidence distribution may move lower (<see cref="QualityStats.ShiftBelow"/>), 0 to 1.</param>
/// <param name="MaxHardExampleIncrease">How much the share of hard examples may rise, e.g. 0.1 for ten points.</param>
/// <param name="MaxAccuracyDrop">How much accuracy on samples with known truth may fall, when both versions have <paramref name="MinSamples"/> of them.</param>
/// <param name="MaxErrorRate">The share of samples the version may fail on at the edge, with or without a baseline.</param>
[GenerateSerializer, Immutable, Alias("IotAi.QualityGates")]
public sealed record QualityGates(int MinSamples, double MaxConfidenceShift, double MaxHardExampleIncrease, double MaxAccuracyDrop, double MaxErrorRate = 0.01)
{
    public static QualityGates Default { get; } = new(100, 0.25, 0.10, 0.05, 0.01);

    public void Validate()
    {
        if (MinSamples < 1 || MaxConfidenceShift is < 0 or > 1 || MaxHardExampleIncrease is < 0 or > 1 || MaxAccuracyDrop is < 0 or > 1 || MaxErrorRate is < 0 or > 1)
        {
            throw new ArgumentException("Quality gates need at least one sample, and shifts, increases and drops between 0 and 1.");
        }
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

/// <summary>A stage's quality verdict, with the figures behind it.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.QualityVerdict")]
public sealed record QualityVerdict(QualityOutcome Outcome, string Summary, QualityStats Candidate, QualityStats Baseline);

using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>
/// How a model version answered, over one device or summed over many: sample counts and a confidence
/// histogram (see <see cref="ModelQualityReport"/>). Sums are exact, so a stage's figures are its devices' added up.
/// </summary>
[GenerateSerializer, Immutable, Alias("IotAi.QualityStats")]
public sealed record QualityStats(long Samples, long Hard, long Labeled, long Correct, long[] Confidence, long Errors = 0)
{
    public static QualityStats Empty { get; } = new(0, 0, 0, 0, new long[ModelQualityReport.Bins]);

    /// <summary>The share of samples the version failed on, of all it was given.</summary>
    public double ErrorRate => Samples + Errors == 0 ? 0 : (double)Errors / (Samples + Errors);

    /// <summary>The share of samples answered below the device's confidence threshold.</summary>
    public double HardRate => Samples == 0 ? 0 : (double)Hard / Samples;

    /// <summary>The share of labelled samples answered right; null with no labelled sample.</summary>
    public double? Accuracy => Labeled == 0 ? null : (double)Correct / Labeled;

    /// <summary>The mean confidence, taking each answer at the middle of its bin.</summary>
    public double MeanConfidence => Samples == 0 ? 0 : Confidence.Select(static (count, bin) => count * (bin + 0.5) / ModelQualityReport.Bins).Sum() / Samples;

    public static QualityStats From(ModelQualityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new(report.Samples, report.Hard, report.Labeled, report.Correct, [.. report.Confidence], report.Errors);
    }

    public QualityStats Add(QualityStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Samples + other.Samples, Hard + other.Hard, Labeled + other.Labeled, Correct + other.Correct,
            [.. Confidence.Zip(other.Confidence, static (a, b) => a + b)], Errors + other.Errors);
    }

    /// <summary>
    /// How far this distribution of confidence lies below <paramref name="baseline"/>'s: the largest amount, over
    /// all confidence levels, by which the share of answers at or under that level exceeds the baseline's. It is
    /// the one-sided Kolmogorov–Smirnov statistic: 0 when no answer got less sure, 1 when every answer moved from
    /// the top of the range to the bottom. A version that grows more confident does not count against itself.
    /// </summary>
    public double ShiftBelow(QualityStats baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (Samples == 0 || baseline.Samples == 0)
        {
            return 0;
        }

        double mine = 0, theirs = 0, shift = 0;
        for (var bin = 0; bin < ModelQualityReport.Bins; bin++)
        {
            mine += (double)Confidence[bin] / Samples;
            theirs += (double)baseline.Confidence[bin] / baseline.Samples;
            shift = Math.Max(shift, mine - theirs);
        }

        return shift;
    }
}

/// <summary>What a device last reported about one version of a model.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.VersionQuality")]
public sealed record VersionQuality(string Version, QualityStats Stats, DateTimeOffset At);

namespace IotAi.Simulator;

/// <summary>
/// Reads the learning loop off an accuracy timeline: the accuracy before the world drifted, the worst bucket
/// after, and the first bucket after that one back within <see cref="Tolerance"/> of where it started.
/// </summary>
public static class DriftRecovery
{
    /// <summary>How close to the accuracy before the drift a bucket must come to count as recovered (3 points).</summary>
    public const double Tolerance = 0.03;

    /// <param name="buckets">The timeline's closed buckets, oldest first.</param>
    /// <param name="driftAt">When the drift began; null means it never did.</param>
    /// <param name="minResults">Buckets with fewer results are too noisy to judge by.</param>
    public static LoopProgress Of(IReadOnlyList<AccuracyBucket> buckets, TimeSpan? driftAt, int minResults = 20)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        if (driftAt is not { } at)
        {
            return LoopProgress.None;
        }

        var before = buckets.Where(b => b.Start + b.Width <= at).ToList();
        var results = before.Sum(static b => b.Results);
        if (results == 0)
        {
            return LoopProgress.None;
        }

        var baseline = (double)before.Sum(static b => b.TelemetryCorrect + b.ImageCorrect) / results;
        var after = buckets.Where(b => b.Start >= at && b.Results >= minResults).ToList();
        var lowest = after.MinBy(static b => b.Accuracy);
        if (lowest is null || lowest.Accuracy >= baseline - Tolerance)
        {
            return new LoopProgress(baseline, lowest, null);
        }

        var recovered = after.SkipWhile(b => b != lowest).FirstOrDefault(b => b.Accuracy >= baseline - Tolerance);
        return new LoopProgress(baseline, lowest, recovered);
    }
}

/// <summary>Where the loop stands: accuracy before the drift, the worst bucket after it, and the bucket that recovered, if any.</summary>
public sealed record LoopProgress(double? Before, AccuracyBucket? Lowest, AccuracyBucket? Recovered)
{
    public static LoopProgress None { get; } = new(null, null, null);

    /// <summary>Whether accuracy fell more than <see cref="DriftRecovery.Tolerance"/> below where it was.</summary>
    public bool Dropped => Before is { } before && Lowest?.Accuracy < before - DriftRecovery.Tolerance;
}

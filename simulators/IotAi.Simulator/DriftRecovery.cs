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
    /// <param name="tolerance">How close to the accuracy before the drift counts as recovered, and how far below it as a fall.</param>
    public static LoopProgress Of(IReadOnlyList<AccuracyBucket> buckets, TimeSpan? driftAt, int minResults = 20, double tolerance = Tolerance)
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
        if (lowest is null || lowest.Accuracy >= baseline - tolerance)
        {
            return new LoopProgress(baseline, lowest, null) { Tolerance = tolerance };
        }

        var recovered = after.SkipWhile(b => b != lowest).FirstOrDefault(b => b.Accuracy >= baseline - tolerance);
        return new LoopProgress(baseline, lowest, recovered) { Tolerance = tolerance };
    }
}

/// <summary>The loop for the cameras alone, read as <see cref="DriftRecovery"/> reads the whole fleet.</summary>
public static class ImageDriftRecovery
{
    /// <summary>
    /// Within 5 points of the accuracy before the drift counts as recovered: a judged window holds few frames, and a head
    /// retrained on a belt it has known for a minute or two answers about 96 % of it.
    /// </summary>
    public const double Tolerance = 0.05;

    /// <summary>
    /// Buckets judged as one: 60 s of the demo's 5 s buckets, about 120 frames. In a 30 s window of 60 frames a version
    /// that reads 88 % of the drifted belt reached 95 % by chance; in 120 frames it does so about once in a hundred.
    /// </summary>
    public const int Merge = 12;

    /// <summary>
    /// Images are a small share of a fleet's uplinks, so <paramref name="merge"/> buckets are judged as one, with the
    /// readings left out.
    /// </summary>
    public static LoopProgress Of(IReadOnlyList<AccuracyBucket> buckets, TimeSpan? driftAt, int merge = Merge, int minResults = 20)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentOutOfRangeException.ThrowIfLessThan(merge, 1);
        var images = buckets.Chunk(merge)
            .Where(chunk => chunk.Length == merge)
            .Select(static chunk => new AccuracyBucket(chunk[0].Start, chunk[^1].Start + chunk[^1].Width - chunk[0].Start, 0, 0, chunk.Sum(static b => b.ImageResults), chunk.Sum(static b => b.ImageCorrect)))
            .ToList();
        return DriftRecovery.Of(images, driftAt, minResults, Tolerance);
    }
}

/// <summary>Where the loop stands: accuracy before the drift, the worst bucket after it, and the bucket that recovered, if any.</summary>
public sealed record LoopProgress(double? Before, AccuracyBucket? Lowest, AccuracyBucket? Recovered)
{
    public static LoopProgress None { get; } = new(null, null, null);

    /// <summary>How far below the accuracy before the drift is a fall; <see cref="DriftRecovery.Tolerance"/> unless said otherwise.</summary>
    public double Tolerance { get; init; } = DriftRecovery.Tolerance;

    /// <summary>Whether accuracy fell more than <see cref="Tolerance"/> below where it was.</summary>
    public bool Dropped => Before is { } before && Lowest?.Accuracy < before - Tolerance;
}

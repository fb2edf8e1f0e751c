using IotAi.Protocol;

namespace IotAi.Learning;

/// <summary>Decides why, if at all, one answered sample is worth keeping. Pure: the same sample always gets the same answer.</summary>
public static class CaptureRules
{
    /// <summary>Sets the evaluation draw apart from the random one, so the two shares are independent.</summary>
    private const ulong EvaluationSalt = 0x9E3779B97F4A7C15UL;

    /// <param name="options">The model's capture policy.</param>
    /// <param name="deviceId">The device that sent the sample.</param>
    /// <param name="seq">Its sequence number, which with the device id decides the random draws.</param>
    /// <param name="label">The answer used: the cloud's, or the device's when the cloud did not infer.</param>
    /// <param name="scores">The probability of every label, when known.</param>
    /// <param name="edge">The device's own answer, when it sent one.</param>
    public static CaptureReasons Decide(CaptureOptions options, string deviceId, long? seq, string label, IReadOnlyList<float> scores, EdgeAnswer? edge)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scores);
        var reasons = CaptureReasons.None;
        var confidence = scores.Count == 0 ? edge?.Confidence ?? 1f : scores.Max();
        if (confidence < options.HardBelow || (options.EntropyAbove is { } limit && scores.Count > 1 && NormalisedEntropy(scores) > limit))
        {
            reasons |= CaptureReasons.HardExample;
        }

        if (options.Disagreement && edge is not null && !string.Equals(edge.Label, label, StringComparison.Ordinal))
        {
            reasons |= CaptureReasons.Disagreement;
        }

        if (options.IsAnomaly(label))
        {
            reasons |= CaptureReasons.Anomaly;
        }

        if (options.RandomFraction > 0 && Draw(deviceId, seq) < options.RandomFraction)
        {
            reasons |= CaptureReasons.Random;
        }

        // A draw of its own: the evaluation set must not lean towards the samples another reason keeps.
        if (options.EvaluationFraction > 0 && Draw(deviceId, seq, EvaluationSalt) < options.EvaluationFraction)
        {
            reasons |= CaptureReasons.Evaluation;
        }

        return reasons;
    }

    /// <summary>Entropy of <paramref name="scores"/> divided by its largest possible value: 0 when certain, 1 when uniform.</summary>
    public static double NormalisedEntropy(IReadOnlyList<float> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var entropy = 0.0;
        foreach (var p in scores)
        {
            entropy -= p > 0 ? p * Math.Log(p) : 0;
        }

        return scores.Count > 1 ? entropy / Math.Log(scores.Count) : 0;
    }

    /// <summary>
    /// A number in [0, 1) that depends only on the device, the sequence number and <paramref name="salt"/> (draws with
    /// different salts are independent). It is asked of every answered sample, so it allocates nothing: FNV-1a over the id
    /// and the number, from a basis changed by the salt, then a SplitMix64 finaliser to spread it.
    /// </summary>
    public static double Draw(string deviceId, long? seq, ulong salt = 0)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var hash = 14695981039346656037UL ^ salt;
        foreach (var c in deviceId)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash = (hash ^ (ulong)(seq ?? -1)) * 1099511628211UL;
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        return (hash >> 11) / (double)(1UL << 53);
    }
}

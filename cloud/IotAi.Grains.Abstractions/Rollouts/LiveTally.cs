namespace IotAi.Grains.Rollouts;

/// <summary>
/// How a rollout's version (the candidate) and the version it replaces (the baseline) answer the same uplinks of devices
/// the cloud serves. While a rollout runs, each such device's grain runs both on every uplink whose truth came with it,
/// one answering and the other shadowing, and counts the pair here; a pair both got right or both got wrong says nothing
/// of which is better. Paired, so traffic that changes while the rollout runs changes both alike. Sums are exact.
/// </summary>
/// <param name="Pairs">Labelled uplinks both versions answered.</param>
/// <param name="CandidateRight">Of those, how many the candidate got right.</param>
/// <param name="BaselineRight">Of those, how many the baseline got right.</param>
/// <param name="CandidateOnly">Pairs only the candidate got right.</param>
/// <param name="BaselineOnly">Pairs only the baseline got right.</param>
/// <param name="CandidateRuns">Uplinks the candidate was given, labelled or not.</param>
/// <param name="CandidateErrors">Of those, how many it failed on; the baseline answered those.</param>
[GenerateSerializer, Immutable, Alias("IotAi.LiveTally")]
public sealed record LiveTally(long Pairs, long CandidateRight, long BaselineRight, long CandidateOnly, long BaselineOnly, long CandidateRuns, long CandidateErrors)
{
    public static LiveTally Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public bool IsEmpty => Pairs == 0 && CandidateRuns == 0;

    /// <summary>The candidate's share right of the labelled pairs; null without one.</summary>
    public double? CandidateAccuracy => Pairs == 0 ? null : (double)CandidateRight / Pairs;

    /// <summary>The baseline's share right of the same pairs; null without one.</summary>
    public double? BaselineAccuracy => Pairs == 0 ? null : (double)BaselineRight / Pairs;

    /// <summary>The share of the uplinks given to the candidate that it failed on.</summary>
    public double ErrorRate => CandidateRuns == 0 ? 0 : (double)CandidateErrors / CandidateRuns;

    /// <summary>
    /// This tally with one more uplink given to the candidate: it failed on it, or it answered, and when the truth was
    /// known both versions were graded (<paramref name="candidateRight"/> and <paramref name="baselineRight"/>).
    /// </summary>
    public LiveTally Count(bool failed, bool? candidateRight = null, bool? baselineRight = null)
    {
        if (failed || candidateRight is not { } c || baselineRight is not { } b)
        {
            return this with { CandidateRuns = CandidateRuns + 1, CandidateErrors = CandidateErrors + (failed ? 1 : 0) };
        }

        return new(Pairs + 1, CandidateRight + (c ? 1 : 0), BaselineRight + (b ? 1 : 0), CandidateOnly + (c && !b ? 1 : 0), BaselineOnly + (b && !c ? 1 : 0),
            CandidateRuns + 1, CandidateErrors);
    }

    public LiveTally Add(LiveTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Pairs + other.Pairs, CandidateRight + other.CandidateRight, BaselineRight + other.BaselineRight, CandidateOnly + other.CandidateOnly,
            BaselineOnly + other.BaselineOnly, CandidateRuns + other.CandidateRuns, CandidateErrors + other.CandidateErrors);
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace IotAi.Learning;

/// <summary>
/// The labelled samples of one model frozen at one moment, each with the label it had then and the split it
/// belongs to. A training run works on a snapshot, so later labels never change what a run saw. Kept samples are
/// split by a hash of the sample's id into training and holdout, so a sample stays on its side in every snapshot,
/// and the holdout holds the same share of recent samples as of old ones. Evaluation samples (a uniform share of the
/// traffic, <see cref="CaptureReasons.Evaluation"/>) are on neither side: the newest of them, up to a window, are the
/// evaluation set, and none is ever trained on.
/// </summary>
/// <param name="Id">The snapshot's id: its time and a digest of its contents.</param>
/// <param name="Model">The model whose samples it holds.</param>
/// <param name="CreatedAt">When it was taken.</param>
/// <param name="HoldoutFraction">The share of samples held out for evaluation.</param>
/// <param name="Samples">Every sample, with its label and split.</param>
public sealed record DatasetSnapshot(string Id, string Model, DateTimeOffset CreatedAt, double HoldoutFraction, IReadOnlyList<SnapshotSample> Samples)
{
    public IEnumerable<SnapshotSample> Train => Samples.Where(static s => !s.Holdout && !s.Evaluation);

    public IEnumerable<SnapshotSample> Holdout => Samples.Where(static s => s.Holdout && !s.Evaluation);

    /// <summary>The evaluation set: the newest labelled evaluation samples when the snapshot was taken.</summary>
    public IEnumerable<SnapshotSample> Evaluation => Samples.Where(static s => s.Evaluation);

    /// <summary>
    /// Freezes <paramref name="labelled"/> (samples with a label) into a snapshot, with the newest
    /// <paramref name="evaluationWindow"/> evaluation samples as its evaluation set; older evaluation samples are left out.
    /// </summary>
    public static DatasetSnapshot Take(string model, IEnumerable<CapturedSample> labelled, double holdoutFraction, DateTimeOffset now, int evaluationWindow = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        if (holdoutFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), "The holdout share is between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(evaluationWindow);
        var withLabels = labelled.Where(static s => s.Label is not null).ToList();
        var evaluation = withLabels.Where(static s => s.Reasons.HasFlag(CaptureReasons.Evaluation))
            .OrderByDescending(static s => s.CapturedAt).ThenBy(static s => s.Id, StringComparer.Ordinal)
            .Take(evaluationWindow);
        List<SnapshotSample> samples = [.. withLabels
            .Where(static s => !s.Reasons.HasFlag(CaptureReasons.Evaluation))
            .Select(s => new SnapshotSample(s.Id, s.Label!, s.Labels[^1].Source, IsHoldout(s.Id, holdoutFraction)))
            .Concat(evaluation.Select(static s => new SnapshotSample(s.Id, s.Label!, s.Labels[^1].Source, Holdout: false, Evaluation: true)))
            .OrderBy(static s => s.Id, StringComparer.Ordinal)];
        // The digest covers each sample's side too, so one id always names one content.
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', samples.Select(static s => $"{s.Id}\t{s.Label}\t{(s.Evaluation ? 'e' : s.Holdout ? 'h' : 't')}"))));
        var id = $"{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(digest)[..8]}";
        return new DatasetSnapshot(id, model, now, holdoutFraction, samples);
    }

    /// <summary>Whether a sample belongs to the holdout: the same answer for the same id, whatever else is in the snapshot.</summary>
    public static bool IsHoldout(string sampleId, double holdoutFraction)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("split/" + sampleId));
        return (BinaryPrimitives.ReadUInt64LittleEndian(hash) >> 11) / (double)(1UL << 53) < holdoutFraction;
    }
}

/// <summary>One sample of a snapshot: its id in the sample store, its label then, who gave it, and its side of the split (training, holdout or evaluation).</summary>
public sealed record SnapshotSample(string Id, string Label, string LabelSource, bool Holdout, bool Evaluation = false);

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace IotAi.Learning;

/// <summary>
/// The labelled samples of one model frozen at one moment, each with the label it had then and the split it
/// belongs to. A training run works on a snapshot, so later labels never change what a run saw; the split is
/// decided by a hash of the sample's id, so a sample stays on its side in every snapshot, and the holdout
/// holds the same share of recent samples as of old ones.
/// </summary>
/// <param name="Id">The snapshot's id: its time and a digest of its contents.</param>
/// <param name="Model">The model whose samples it holds.</param>
/// <param name="CreatedAt">When it was taken.</param>
/// <param name="HoldoutFraction">The share of samples held out for evaluation.</param>
/// <param name="Samples">Every sample, with its label and split.</param>
public sealed record DatasetSnapshot(string Id, string Model, DateTimeOffset CreatedAt, double HoldoutFraction, IReadOnlyList<SnapshotSample> Samples)
{
    public IEnumerable<SnapshotSample> Train => Samples.Where(static s => !s.Holdout);

    public IEnumerable<SnapshotSample> Holdout => Samples.Where(static s => s.Holdout);

    /// <summary>Freezes <paramref name="labelled"/> (samples with a label) into a snapshot.</summary>
    public static DatasetSnapshot Take(string model, IEnumerable<CapturedSample> labelled, double holdoutFraction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        if (holdoutFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), "The holdout share is between 0 and 1.");
        }

        List<SnapshotSample> samples = [.. labelled
            .Where(static s => s.Label is not null)
            .OrderBy(static s => s.Id, StringComparer.Ordinal)
            .Select(s => new SnapshotSample(s.Id, s.Label!, s.Labels[^1].Source, IsHoldout(s.Id, holdoutFraction)))];
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', samples.Select(static s => $"{s.Id}\t{s.Label}"))));
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

/// <summary>One sample of a snapshot: its id in the sample store, its label then, who gave it, and its side of the split.</summary>
public sealed record SnapshotSample(string Id, string Label, string LabelSource, bool Holdout);

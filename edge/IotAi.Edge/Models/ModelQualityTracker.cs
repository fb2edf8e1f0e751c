using IotAi.Protocol;

namespace IotAi.Edge.Models;

/// <summary>
/// Counts how each model version answers on this device, from the moment it starts answering: samples, hard
/// examples, answers against known truth, and a confidence histogram. The figures for the version a swap
/// replaced are kept, so the cloud can compare the new version with the old one on the same device.
/// </summary>
public sealed class ModelQualityTracker
{
    /// <summary>Figures are kept for this many versions of a model, the running one included.</summary>
    private const int VersionsKept = 3;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Tally>> _models = new(StringComparer.Ordinal);

    /// <summary>Counts one answer of <paramref name="name"/> <paramref name="version"/>.</summary>
    /// <param name="name">The model.</param>
    /// <param name="version">Its version that answered.</param>
    /// <param name="confidence">The answer's confidence.</param>
    /// <param name="hardBelow">The confidence under which an answer is a hard example.</param>
    /// <param name="correct">Whether the answer matched the known truth; null when the truth is unknown.</param>
    public void Record(string name, string version, float confidence, double hardBelow, bool? correct)
    {
        lock (_lock)
        {
            var tally = Find(name, version);
            tally.Samples++;
            tally.Confidence[ModelQualityReport.Bin(confidence)]++;
            tally.Hard += confidence < hardBelow ? 1 : 0;
            tally.Labeled += correct is null ? 0 : 1;
            tally.Correct += correct is true ? 1 : 0;
            tally.Changed = true;
        }
    }

    /// <summary>Counts a sample on which <paramref name="name"/> <paramref name="version"/> failed to answer.</summary>
    public void RecordError(string name, string version)
    {
        lock (_lock)
        {
            var tally = Find(name, version);
            tally.Errors++;
            tally.Changed = true;
        }
    }

    /// <summary>Starts counting <paramref name="version"/> afresh: it has just been swapped in.</summary>
    public void Restart(string name, string version)
    {
        lock (_lock)
        {
            if (_models.TryGetValue(name, out var versions))
            {
                versions.RemoveAll(t => t.Version == version);
            }
        }
    }

    /// <summary>A report for every version that answered since the last call; what did not change is not sent again.</summary>
    public IReadOnlyList<ModelQualityReport> TakeChanged()
    {
        lock (_lock)
        {
            var reports = new List<ModelQualityReport>();
            foreach (var (name, versions) in _models)
            {
                foreach (var tally in versions.Where(static t => t.Changed))
                {
                    tally.Changed = false;
                    reports.Add(new ModelQualityReport(name, tally.Version, tally.Samples, tally.Hard, tally.Labeled, tally.Correct, [.. tally.Confidence], tally.Errors));
                }
            }

            return reports;
        }
    }

    private Tally Find(string name, string version)
    {
        if (!_models.TryGetValue(name, out var versions))
        {
            _models[name] = versions = [];
        }

        var tally = versions.Find(t => t.Version == version);
        if (tally is null)
        {
            tally = new Tally(version);
            versions.Add(tally);
            if (versions.Count > VersionsKept)
            {
                versions.RemoveAt(0);
            }
        }

        return tally;
    }

    private sealed class Tally(string version)
    {
        public string Version { get; } = version;

        public long[] Confidence { get; } = new long[ModelQualityReport.Bins];

        public long Samples { get; set; }

        public long Hard { get; set; }

        public long Labeled { get; set; }

        public long Correct { get; set; }

        public long Errors { get; set; }

        public bool Changed { get; set; }
    }
}

using System.Collections.Concurrent;
using IotAi.Protocol;

namespace IotAi.Learning;

/// <summary>
/// Watches each model's answers for drift: the confidence of its first <see cref="WindowSize"/> answers after a
/// version starts serving is the reference, and every later window of the same size is compared with it by the
/// population stability index (PSI). A PSI above about 0.2 is the usual sign that the world has moved away
/// from what the model knows. Counted by each silo over the answers it gives.
/// </summary>
public sealed class ConfidenceDrift(int windowSize = 1000)
{
    private readonly ConcurrentDictionary<string, Watch> _models = new(StringComparer.Ordinal);

    public int WindowSize { get; } = windowSize > 0 ? windowSize : throw new ArgumentOutOfRangeException(nameof(windowSize));

    /// <summary>Counts one answer of <paramref name="model"/> <paramref name="version"/>.</summary>
    public void Observe(string model, string version, double confidence)
    {
        var watch = _models.GetOrAdd(model, static _ => new Watch());
        lock (watch)
        {
            if (watch.Version != version)
            {
                // A new version starts a new reference: its own first answers.
                watch.Reset(version);
            }

            var bin = ModelQualityReport.Bin(confidence);
            if (watch.ReferenceCount < WindowSize)
            {
                watch.Reference[bin]++;
                watch.ReferenceCount++;
                return;
            }

            watch.Current[bin]++;
            if (++watch.CurrentCount == WindowSize)
            {
                watch.Psi = Psi(watch.Reference, watch.Current);
                Array.Clear(watch.Current);
                watch.CurrentCount = 0;
            }
        }
    }

    /// <summary>The PSI of the model's last full window against its reference; null until there is one.</summary>
    public double? Psi(string model) => _models.TryGetValue(model, out var watch) ? watch.Psi : null;

    /// <summary>Every watched model's last PSI.</summary>
    public IReadOnlyDictionary<string, double> All() =>
        _models.Where(static m => m.Value.Psi is not null).ToDictionary(static m => m.Key, static m => m.Value.Psi!.Value, StringComparer.Ordinal);

    /// <summary>Sum over bins of (current − reference) × ln(current / reference), with empty bins smoothed.</summary>
    public static double Psi(IReadOnlyList<long> reference, IReadOnlyList<long> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        const double floor = 1e-4;
        double totalReference = reference.Sum(), totalCurrent = current.Sum(), psi = 0;
        for (var i = 0; i < reference.Count; i++)
        {
            var expected = Math.Max(reference[i] / totalReference, floor);
            var actual = Math.Max(current[i] / totalCurrent, floor);
            psi += (actual - expected) * Math.Log(actual / expected);
        }

        return psi;
    }

    private sealed class Watch
    {
        public string? Version { get; private set; }

        public long[] Reference { get; } = new long[ModelQualityReport.Bins];

        public long[] Current { get; } = new long[ModelQualityReport.Bins];

        public int ReferenceCount { get; set; }

        public int CurrentCount { get; set; }

        public double? Psi { get; set; }

        public void Reset(string version)
        {
            Version = version;
            Array.Clear(Reference);
            Array.Clear(Current);
            ReferenceCount = 0;
            CurrentCount = 0;
            Psi = null;
        }
    }
}

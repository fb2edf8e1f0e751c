using System.Collections.Concurrent;

namespace IotAi.Learning;

/// <summary>
/// How right each model version is on live traffic, counted by each silo over the answers whose truth becomes known:
/// the cloud's answers to uplinks that carry their truth, the edge's answers its quality reports grade, and the
/// evaluation samples (a uniform share of the traffic) when they are labelled later. Answers are counted in windows of
/// <see cref="WindowSize"/>: a version's first full window is its reference, its latest full window says how it does
/// now, and the model's best reference over its versions is what it is known to be able to do. The triggers compare
/// the version serving now against that best (<see cref="Shift"/>); the dashboard shows every version's latest window.
/// </summary>
public sealed class LiveAccuracy(int windowSize = 500)
{
    /// <summary>Versions of one model remembered; the least recently graded goes first.</summary>
    private const int MaxVersions = 8;

    private readonly ConcurrentDictionary<string, ModelWatch> _models = new(StringComparer.Ordinal);

    public int WindowSize { get; } = windowSize > 0 ? windowSize : throw new ArgumentOutOfRangeException(nameof(windowSize));

    /// <summary>Counts one graded answer of <paramref name="model"/> <paramref name="version"/>.</summary>
    public void Observe(string model, string version, bool correct) => Observe(model, version, correct ? 1 : 0, 1);

    /// <summary>Counts <paramref name="graded"/> answers at once, <paramref name="correct"/> of them right, e.g. from an edge agent's report.</summary>
    public void Observe(string model, string version, long correct, long graded)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(version);
        if (graded <= 0 || correct < 0 || correct > graded)
        {
            return;
        }

        var watch = _models.GetOrAdd(model, static _ => new ModelWatch());
        lock (watch)
        {
            watch.Add(version, correct, graded, WindowSize);
        }
    }

    /// <summary>
    /// How <paramref name="version"/> of <paramref name="model"/> does now against the best the model has done: null
    /// until the version has a full window and the model a reference.
    /// </summary>
    public AccuracyShift? Shift(string model, string version)
    {
        if (!_models.TryGetValue(model, out var watch))
        {
            return null;
        }

        lock (watch)
        {
            return watch.Best is { } best && watch.Versions.TryGetValue(version, out var now) && now.Last is { } last
                ? new AccuracyShift(watch.BestVersion!, best, version, last)
                : null;
        }
    }

    /// <summary>Every remembered version's figures, by model then version.</summary>
    public IReadOnlyList<VersionAccuracy> All()
    {
        var all = new List<VersionAccuracy>();
        foreach (var (model, watch) in _models)
        {
            lock (watch)
            {
                all.AddRange(watch.Versions.Select(v => new VersionAccuracy(model, v.Key, v.Value.Reference, v.Value.Last, v.Value.Current, v.Value.Total)));
            }
        }

        return [.. all.OrderBy(static v => v.Model, StringComparer.Ordinal).ThenBy(static v => v.Version, StringComparer.Ordinal)];
    }

    private sealed class ModelWatch
    {
        private long _tick;

        public Dictionary<string, VersionWatch> Versions { get; } = new(StringComparer.Ordinal);

        /// <summary>The highest reference window of any version seen: what the model is known to be able to do.</summary>
        public AccuracyWindow? Best { get; private set; }

        public string? BestVersion { get; private set; }

        public void Add(string version, long correct, long graded, int windowSize)
        {
            if (!Versions.TryGetValue(version, out var watch))
            {
                if (Versions.Count >= MaxVersions)
                {
                    Versions.Remove(Versions.MinBy(static v => v.Value.Touched).Key);
                }

                Versions[version] = watch = new VersionWatch();
            }

            watch.Touched = ++_tick;
            watch.Total = new AccuracyWindow(watch.Total.Correct + correct, watch.Total.Graded + graded);
            watch.Current = new AccuracyWindow(watch.Current.Correct + correct, watch.Current.Graded + graded);
            if (watch.Current.Graded < windowSize)
            {
                return;
            }

            watch.Last = watch.Current;
            watch.Current = default;
            if (watch.Reference is null)
            {
                watch.Reference = watch.Last;
                if (Best is not { } best || watch.Reference.Value.Accuracy > best.Accuracy)
                {
                    (Best, BestVersion) = (watch.Reference, version);
                }
            }
        }
    }

    private sealed class VersionWatch
    {
        public AccuracyWindow? Reference { get; set; }

        public AccuracyWindow? Last { get; set; }

        public AccuracyWindow Current { get; set; }

        public AccuracyWindow Total { get; set; }

        public long Touched { get; set; }
    }
}

/// <summary>A count of graded answers and how many were right.</summary>
public readonly record struct AccuracyWindow(long Correct, long Graded)
{
    public double Accuracy => Graded == 0 ? 0 : (double)Correct / Graded;
}

/// <summary>One version's live figures: its first full window, its latest, the one filling now, and every answer graded since the silo started.</summary>
public sealed record VersionAccuracy(string Model, string Version, AccuracyWindow? Reference, AccuracyWindow? Last, AccuracyWindow Current, AccuracyWindow Total)
{
    /// <summary>How the version does now: its latest full window, or all it has answered while it has none.</summary>
    public AccuracyWindow Now => Last ?? Total;
}

/// <summary>
/// A version's latest window against the best reference window of its model, and whether the difference is more than
/// chance: <see cref="Z"/> is the drop in standard errors of the difference of two proportions.
/// </summary>
public sealed record AccuracyShift(string BestVersion, AccuracyWindow Best, string Version, AccuracyWindow Now)
{
    /// <summary>How many points the version is below the best, as a fraction; negative when it does better.</summary>
    public double Drop => Best.Accuracy - Now.Accuracy;

    /// <summary>The drop divided by its standard error under the pooled proportion; 0 when both windows are all right or all wrong.</summary>
    public double Z
    {
        get
        {
            var pooled = (double)(Best.Correct + Now.Correct) / (Best.Graded + Now.Graded);
            var error = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / Best.Graded) + (1.0 / Now.Graded)));
            return error == 0 ? 0 : Drop / error;
        }
    }

    /// <summary>Whether the version is below the best by at least <paramref name="drop"/> and by at least <paramref name="z"/> standard errors.</summary>
    public bool IsWorseBy(double drop, double z) => Drop >= drop && Z >= z;
}

namespace IotAi.Simulator;

/// <summary>
/// The fleet's accuracy over time, one bucket per fixed span of sending time (5 seconds in the demo), made from
/// the cumulative counters of successive <see cref="FleetSnapshot"/>s. The counters stay lock-free on the hot
/// path; the timeline only differences what one reader already reads once a second. Results that come between
/// the last snapshot before a bucket's end and the first after it count in the earlier bucket.
/// </summary>
public sealed class AccuracyTimeline
{
    private readonly TimeSpan _width;
    private readonly int _capacity;
    private readonly Queue<AccuracyBucket> _closed = new();
    private long _current;
    private Counts _atStart;
    private Counts _last;

    /// <param name="width">Each bucket's span of sending time.</param>
    /// <param name="capacity">How many closed buckets are kept, oldest dropped first, so a run of days stays small.</param>
    public AccuracyTimeline(TimeSpan width, int capacity = 720)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(width, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _width = width;
        _capacity = capacity;
    }

    public TimeSpan Width => _width;

    /// <summary>The closed buckets, oldest first; the bucket still filling is not among them.</summary>
    public IReadOnlyList<AccuracyBucket> Buckets => [.. _closed];

    public void Observe(FleetSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Observe(snapshot.Elapsed, snapshot.Telemetry, snapshot.Image);
    }

    /// <summary>Takes the cumulative counters as they stood <paramref name="elapsed"/> after sending began.</summary>
    public void Observe(TimeSpan elapsed, KindSnapshot telemetry, KindSnapshot image)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(image);
        var now = new Counts(telemetry.Graded, telemetry.Correct, image.Graded, image.Correct);
        var index = (long)(elapsed / _width);
        if (index > _current)
        {
            Close(_current, now - _atStart);
            for (var skipped = _current + 1; skipped < index; skipped++)
            {
                Close(skipped, default);
            }

            _current = index;
            _atStart = now;
        }

        _last = now;
    }

    /// <summary>The bucket filling now, so far.</summary>
    public AccuracyBucket Current => Bucket(_current, _last - _atStart);

    private void Close(long index, Counts counts)
    {
        _closed.Enqueue(Bucket(index, counts));
        if (_closed.Count > _capacity)
        {
            _closed.Dequeue();
        }
    }

    private AccuracyBucket Bucket(long index, Counts c) => new(_width * index, _width, c.TelemetryResults, c.TelemetryCorrect, c.ImageResults, c.ImageCorrect);

    private readonly record struct Counts(long TelemetryResults, long TelemetryCorrect, long ImageResults, long ImageCorrect)
    {
        public static Counts operator -(Counts a, Counts b) => new(
            a.TelemetryResults - b.TelemetryResults, a.TelemetryCorrect - b.TelemetryCorrect, a.ImageResults - b.ImageResults, a.ImageCorrect - b.ImageCorrect);
    }
}

/// <summary>What the gateway got right in one span of sending time, per payload kind; accuracies are null without results.</summary>
public sealed record AccuracyBucket(TimeSpan Start, TimeSpan Width, long TelemetryResults, long TelemetryCorrect, long ImageResults, long ImageCorrect)
{
    public long Results => TelemetryResults + ImageResults;

    public double? Accuracy => Ratio(TelemetryCorrect + ImageCorrect, Results);

    public double? TelemetryAccuracy => Ratio(TelemetryCorrect, TelemetryResults);

    public double? ImageAccuracy => Ratio(ImageCorrect, ImageResults);

    private static double? Ratio(long correct, long results) => results == 0 ? null : (double)correct / results;
}

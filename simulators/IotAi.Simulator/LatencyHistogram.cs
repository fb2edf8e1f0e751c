using System.Numerics;

namespace IotAi.Simulator;

/// <summary>
/// A thread-safe log-linear latency histogram in microseconds, with fixed memory (16 KiB) however many values
/// it holds. Values under 128 µs are exact; above, each power of two is split into 64 buckets, so a reported
/// percentile is within 1/64 (1.6 %) of the true one. Values above about 38 hours share the last bucket.
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearBuckets = 128;   // 0..127 µs, one bucket each
    private const int SubBucketBits = 6;     // 64 buckets per power of two above that
    private const int SubBuckets = 1 << SubBucketBits;
    private const int FirstLogOctave = 7;    // log2(LinearBuckets)
    private const int LastOctave = 36;
    private const int BucketCount = LinearBuckets + ((LastOctave - FirstLogOctave + 1) * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];
    private long _max = -1;
    private long _min = long.MaxValue;

    /// <summary>The number of values recorded so far.</summary>
    public long Count => Copy(null);

    /// <summary>The smallest value recorded, exactly; 0 when empty.</summary>
    public long MinMicroseconds => Volatile.Read(ref _min) is var min && min == long.MaxValue ? 0 : min;

    public void Record(TimeSpan latency) => RecordMicroseconds((long)latency.TotalMicroseconds);

    public void RecordMicroseconds(long microseconds)
    {
        var value = Math.Max(0, microseconds);

        // Extremes first: a reader that sees the count then always sees extremes that cover it.
        UpdateExtreme(ref _max, value, static (candidate, current) => candidate > current);
        UpdateExtreme(ref _min, value, static (candidate, current) => candidate < current);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
    }

    /// <summary>The nearest-rank percentile (0 &lt; <paramref name="percentile"/> ≤ 100) in microseconds; 0 when empty.</summary>
    public long PercentileMicroseconds(double percentile)
    {
        var counts = new long[BucketCount];
        var total = Copy(counts);
        return PercentileOf(counts, total, percentile);
    }

    /// <summary>p50, p90, p99 and max, all from one consistent copy of the buckets.</summary>
    public LatencyPercentiles Summarize()
    {
        var counts = new long[BucketCount];
        var total = Copy(counts);
        return new LatencyPercentiles(
            total,
            Milliseconds(PercentileOf(counts, total, 50)),
            Milliseconds(PercentileOf(counts, total, 90)),
            Milliseconds(PercentileOf(counts, total, 99)),
            total == 0 ? 0 : Milliseconds(Volatile.Read(ref _max)));
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }

        var octave = BitOperations.Log2((ulong)value);
        if (octave > LastOctave)
        {
            return BucketCount - 1;
        }

        var sub = (int)(value >> (octave - SubBucketBits)) - SubBuckets;
        return LinearBuckets + ((octave - FirstLogOctave) * SubBuckets) + sub;
    }

    /// <summary>The highest value that falls in bucket <paramref name="index"/>.</summary>
    internal static long HighestValueIn(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }

        var offset = index - LinearBuckets;
        var shift = (offset / SubBuckets) + FirstLogOctave - SubBucketBits;
        var lowest = (long)(SubBuckets + (offset % SubBuckets)) << shift;
        return lowest + (1L << shift) - 1;
    }

    private long PercentileOf(long[] counts, long total, double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (total == 0)
        {
            return 0;
        }

        // Nearest rank: the smallest value with at least p % of the values at or below it.
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * total));
        var seen = 0L;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                // A bucket's top can overshoot what was seen; the exact extremes bound it.
                return Math.Clamp(HighestValueIn(i), Volatile.Read(ref _min), Volatile.Read(ref _max));
            }
        }

        return Volatile.Read(ref _max);
    }

    private long Copy(long[]? counts)
    {
        var total = 0L;
        for (var i = 0; i < _counts.Length; i++)
        {
            var count = Volatile.Read(ref _counts[i]);
            total += count;
            if (counts is not null)
            {
                counts[i] = count;
            }
        }

        return total;
    }

    private static void UpdateExtreme(ref long extreme, long value, Func<long, long, bool> better)
    {
        var current = Volatile.Read(ref extreme);
        while (better(value, current))
        {
            var seen = Interlocked.CompareExchange(ref extreme, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static double Milliseconds(long microseconds) => microseconds / 1000.0;
}

/// <summary>Round-trip latency over a run, in milliseconds; all zero when <see cref="Count"/> is 0.</summary>
public readonly record struct LatencyPercentiles(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

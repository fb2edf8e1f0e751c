using System.Diagnostics.Metrics;

namespace IotAi.ServiceDefaults;

/// <summary>
/// Bucket boundaries for the product's histograms. Without them OpenTelemetry buckets every histogram from 0 to 10,000,
/// which suits milliseconds: durations here are in seconds (so every uplink fell in the first bucket, 0 to 5 s, and a
/// dashboard's p99 read as seconds), and queue sizes in bytes reach gigabytes.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>What a caller waits for: an uplink's answer, an edge model's inference, 0.5 ms to 30 s.</summary>
    public static InstrumentAdvice<double> Latency { get; } = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30],
    };

    /// <summary>Long stretches: a training run, a device offline, a second to a day.</summary>
    public static InstrumentAdvice<double> LongDuration { get; } = new()
    {
        HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
    };

    /// <summary>Sizes in bytes, 1 KiB to 4 GiB by fours.</summary>
    public static InstrumentAdvice<double> Bytes { get; } = new()
    {
        HistogramBucketBoundaries = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296],
    };

    /// <summary>How many things wait, 1 to 10 million by tens.</summary>
    public static InstrumentAdvice<double> Count { get; } = new()
    {
        HistogramBucketBoundaries = [0, 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000],
    };
}

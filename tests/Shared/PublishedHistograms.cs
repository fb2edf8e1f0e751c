using System.Diagnostics.Metrics;

namespace IotAi.Tests.Shared;

/// <summary>
/// The bucket boundaries a process's histograms carry. OpenTelemetry's default buckets run from 0 to 10,000, which
/// suits milliseconds: a histogram in seconds or bytes without its own puts nearly everything in one bucket.
/// </summary>
internal static class PublishedHistograms
{
    /// <summary>Each histogram in seconds or bytes, or of a queue's depth, published so far by a meter whose name starts with <paramref name="meterPrefix"/>, by name.</summary>
    public static Dictionary<string, PublishedHistogram> Of(string meterPrefix)
    {
        var found = new Dictionary<string, PublishedHistogram>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith(meterPrefix, StringComparison.Ordinal) && instrument is Histogram<double> histogram
                    && (histogram.Unit is "s" or "By" || histogram.Name.EndsWith(".depth", StringComparison.Ordinal)))
                {
                    found[histogram.Name] = new PublishedHistogram(histogram.Unit, histogram.Advice?.HistogramBucketBoundaries);
                }
            };
            listener.Start();
        }

        return found;
    }

    /// <summary>
    /// Asserts that each histogram has buckets of its own, and that each in seconds is a duration whose buckets start at a
    /// second or less.
    /// </summary>
    public static void AssertEachHasItsOwnBuckets(Dictionary<string, PublishedHistogram> histograms)
    {
        foreach (var (name, (unit, boundaries)) in histograms)
        {
            Assert.True(boundaries is { Count: > 5 }, $"{name} has OpenTelemetry's default buckets");
            Assert.True(unit != "s" || (name.EndsWith(".duration", StringComparison.Ordinal) && boundaries[0] <= 1), $"{name} starts at {boundaries[0]} s");
        }
    }
}

/// <summary>A histogram's unit and the bucket boundaries it advises, if any.</summary>
internal sealed record PublishedHistogram(string? Unit, IReadOnlyList<double>? Boundaries);

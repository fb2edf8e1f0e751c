using System.Diagnostics.Metrics;

namespace IotAi.Tests.Shared;

/// <summary>
/// The bucket boundaries a process's histograms carry. OpenTelemetry's default buckets run from 0 to 10,000, which
/// suits milliseconds: a histogram in seconds or bytes without its own puts nearly everything in one bucket.
/// </summary>
internal static class PublishedHistograms
{
    /// <summary>The boundaries of each histogram published so far by a meter whose name starts with <paramref name="meterPrefix"/>, by name.</summary>
    public static Dictionary<string, IReadOnlyList<double>?> Of(string meterPrefix)
    {
        var found = new Dictionary<string, IReadOnlyList<double>?>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith(meterPrefix, StringComparison.Ordinal) && instrument is Histogram<double> histogram
                    && (histogram.Unit is "s" or "By" || histogram.Name.EndsWith(".depth", StringComparison.Ordinal)))
                {
                    found[histogram.Name] = histogram.Advice?.HistogramBucketBoundaries;
                }
            };
            listener.Start();
        }

        return found;
    }

    /// <summary>Asserts that every histogram in seconds or bytes, and every queue depth, has buckets of its own.</summary>
    public static void AssertEachHasItsOwnBuckets(Dictionary<string, IReadOnlyList<double>?> histograms)
    {
        foreach (var (name, boundaries) in histograms)
        {
            Assert.True(boundaries is { Count: > 5 }, $"{name} has OpenTelemetry's default buckets");
        }
    }
}

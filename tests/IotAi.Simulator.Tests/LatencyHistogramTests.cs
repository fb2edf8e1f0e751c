namespace IotAi.Simulator.Tests;

public sealed class LatencyHistogramTests
{
    // A bucket above 128 µs spans 1/64 of its power of two, and the histogram reports the bucket's top.
    private const double RelativeError = 1.0 / 64;

    [Fact]
    public void An_empty_histogram_reports_zeros()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(new LatencyPercentiles(0, 0, 0, 0, 0), histogram.Summarize());
        Assert.Equal(0, histogram.PercentileMicroseconds(99));
    }

    [Fact]
    public void Small_values_give_exact_nearest_rank_percentiles()
    {
        var histogram = new LatencyHistogram();
        foreach (var value in Enumerable.Range(1, 100).Reverse())
        {
            histogram.RecordMicroseconds(value);
        }

        Assert.Equal(50, histogram.PercentileMicroseconds(50));
        Assert.Equal(90, histogram.PercentileMicroseconds(90));
        Assert.Equal(99, histogram.PercentileMicroseconds(99));
        Assert.Equal(100, histogram.PercentileMicroseconds(100));
        Assert.Equal(1, histogram.PercentileMicroseconds(0.5));
        Assert.Equal(100, histogram.Count);
    }

    [Fact]
    public void Millisecond_latencies_are_within_the_bucket_error_and_max_is_exact()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        var summary = histogram.Summarize();

        Assert.Equal(1000, summary.Count);
        AssertClose(500, summary.P50Ms);
        AssertClose(900, summary.P90Ms);
        AssertClose(990, summary.P99Ms);
        Assert.Equal(1000, summary.MaxMs);
    }

    [Fact]
    public void Percentiles_of_skewed_random_data_match_a_sorted_array()
    {
        var random = new Random(1234);
        var values = new long[50_000];
        for (var i = 0; i < values.Length; i++)
        {
            // Log-normal-ish: most near a millisecond, a long tail to seconds, like real round trips.
            values[i] = (long)Math.Exp(7 + (2 * Gaussian(random)));
        }

        var histogram = new LatencyHistogram();
        foreach (var value in values)
        {
            histogram.RecordMicroseconds(value);
        }

        Array.Sort(values);
        foreach (var p in new[] { 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100 })
        {
            var exact = values[(int)Math.Ceiling(p / 100 * values.Length) - 1];
            var reported = histogram.PercentileMicroseconds(p);
            Assert.InRange(reported, exact, (long)(exact * (1 + RelativeError)) + 1);
        }
    }

    [Fact]
    public void A_single_value_is_every_percentile()
    {
        var histogram = new LatencyHistogram();
        histogram.RecordMicroseconds(123_457);

        var summary = histogram.Summarize();

        Assert.Equal(new LatencyPercentiles(1, 123.457, 123.457, 123.457, 123.457), summary);
    }

    [Fact]
    public void Bucket_bounds_tile_the_range_without_gaps()
    {
        for (var index = 0; index < 2047; index++)
        {
            var top = LatencyHistogram.HighestValueIn(index);
            Assert.Equal(index, LatencyHistogram.IndexOf(top));
            Assert.Equal(index + 1, LatencyHistogram.IndexOf(top + 1));
        }

        Assert.Equal(2047, LatencyHistogram.IndexOf(long.MaxValue));
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_counts()
    {
        var histogram = new LatencyHistogram();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 1; i <= 10_000; i++)
            {
                histogram.RecordMicroseconds(i * (t + 1));
            }
        })));

        Assert.Equal(40_000, histogram.Count);
        Assert.Equal(40, histogram.Summarize().MaxMs);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100.5)]
    public void Percentiles_outside_0_to_100_are_refused(double percentile) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyHistogram().PercentileMicroseconds(percentile));

    private static void AssertClose(double exact, double reported) =>
        Assert.InRange(reported, exact, exact * (1 + RelativeError));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}

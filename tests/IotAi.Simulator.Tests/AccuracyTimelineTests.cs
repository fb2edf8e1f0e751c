namespace IotAi.Simulator.Tests;

/// <summary>The timeline turns the fleet's running totals into accuracy per span of sending time.</summary>
public sealed class AccuracyTimelineTests
{
    private static readonly TimeSpan Five = TimeSpan.FromSeconds(5);

    [Fact]
    public void Each_bucket_holds_what_was_answered_between_the_snapshots_around_its_edges()
    {
        var timeline = new AccuracyTimeline(Five);
        Observe(timeline, 1.0, telemetry: (10, 9), image: (0, 0));
        Observe(timeline, 4.9, telemetry: (45, 41), image: (5, 4));
        Assert.Empty(timeline.Buckets);
        Assert.Equal(50, timeline.Current.Results);

        Observe(timeline, 5.2, telemetry: (54, 45), image: (6, 5));
        Observe(timeline, 12.0, telemetry: (90, 81), image: (10, 9));

        var buckets = timeline.Buckets;
        Assert.Equal(2, buckets.Count);
        Assert.Equal(new AccuracyBucket(TimeSpan.Zero, Five, 54, 45, 6, 5), buckets[0]);
        Assert.Equal(50.0 / 60, buckets[0].Accuracy);
        Assert.Equal(new AccuracyBucket(Five, Five, 36, 36, 4, 4), buckets[1]);
        Assert.Equal(1.0, buckets[1].Accuracy);
        Assert.Equal(1.0, buckets[1].ImageAccuracy);
    }

    [Fact]
    public void Spans_with_no_snapshot_are_empty_buckets_and_only_the_newest_are_kept()
    {
        var timeline = new AccuracyTimeline(Five, capacity: 3);
        Observe(timeline, 1, telemetry: (10, 10), image: (0, 0));
        Observe(timeline, 21, telemetry: (20, 10), image: (0, 0));

        // Buckets 0 to 3 closed: 0 took all 20 answers up to 21 s, 1 to 3 none; only 1 to 3 are kept.
        var buckets = timeline.Buckets;
        Assert.Equal([Five, Five * 2, Five * 3], buckets.Select(static b => b.Start));
        Assert.All(buckets, static b => Assert.Equal(0, b.Results));
        Assert.All(buckets, static b => Assert.Null(b.Accuracy));
    }

    private static void Observe(AccuracyTimeline timeline, double seconds, (long Results, long Correct) telemetry, (long Results, long Correct) image) =>
        timeline.Observe(TimeSpan.FromSeconds(seconds), Kind(telemetry), Kind(image));

    private static KindSnapshot Kind((long Results, long Correct) c) => new(c.Results, c.Results, c.Correct, c.Results, c.Results == 0 ? null : (double)c.Correct / c.Results);
}

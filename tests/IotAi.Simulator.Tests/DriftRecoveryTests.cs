namespace IotAi.Simulator.Tests;

/// <summary>Reading the loop off the timeline: accuracy before the drift, its worst after, and when it came back.</summary>
public sealed class DriftRecoveryTests
{
    private static readonly TimeSpan Five = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DriftAt = TimeSpan.FromSeconds(15);

    [Fact]
    public void A_fall_after_the_drift_and_the_first_bucket_back_near_the_old_accuracy_are_found()
    {
        // 98 % for 15 s, then 60 %, 40 %, a thin bucket of 2 answers (too few to judge), 80 %, 96 %, 99 %.
        var buckets = Buckets((100, 98), (100, 98), (100, 98), (100, 60), (100, 40), (2, 2), (100, 80), (100, 96), (100, 99));

        var progress = DriftRecovery.Of(buckets, DriftAt);

        Assert.Equal(0.98, progress.Before!.Value, 6);
        Assert.True(progress.Dropped);
        Assert.Equal(Five * 4, progress.Lowest!.Start);
        Assert.Equal(Five * 7, progress.Recovered!.Start);
    }

    [Fact]
    public void Without_a_fall_nothing_recovers_and_without_a_drift_nothing_is_judged()
    {
        var steady = Buckets((100, 97), (100, 98), (100, 97), (100, 96), (100, 97));

        var progress = DriftRecovery.Of(steady, DriftAt);
        Assert.False(progress.Dropped);
        Assert.Null(progress.Recovered);
        Assert.Equal(0.96, progress.Lowest!.Accuracy);

        Assert.Equal(LoopProgress.None, DriftRecovery.Of(steady, driftAt: null));
    }

    [Fact]
    public void The_cameras_are_judged_on_their_own_frames_over_merged_buckets()
    {
        // Readings stay at 99 % throughout; frames, ten per 5 s bucket, go from 100 % to 60 % at the drift (15 s), then 90 %
        // (beyond the cameras' 5 points), then 96.7 % (within them). Three 5 s buckets make one judged bucket of 30 frames.
        var frames = new (long, long)[] { (10, 10), (10, 10), (10, 10), (10, 6), (10, 6), (10, 6), (10, 9), (10, 9), (10, 9), (10, 10), (10, 9), (10, 10) };
        var buckets = frames.Select((f, i) => new AccuracyBucket(Five * i, Five, 200, 198, f.Item1, f.Item2)).ToList();

        var progress = ImageDriftRecovery.Of(buckets, DriftAt, merge: 3);

        Assert.Equal(1.0, progress.Before!.Value, 6);
        Assert.True(progress.Dropped);
        Assert.Equal((Five * 3, 30L, 0.6), (progress.Lowest!.Start, progress.Lowest.Results, Math.Round(progress.Lowest.Accuracy!.Value, 6)));
        Assert.Equal(Five * 9, progress.Recovered!.Start);
        Assert.False(DriftRecovery.Of(buckets, DriftAt).Dropped, "the readings, twenty in twenty-one uplinks, hide the cameras' fall");
    }

    private static List<AccuracyBucket> Buckets(params (long Results, long Correct)[] spans) =>
        [.. spans.Select(static (s, i) => new AccuracyBucket(Five * i, Five, s.Results, s.Correct, 0, 0))];
}

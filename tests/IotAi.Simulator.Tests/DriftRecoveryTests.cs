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

    private static List<AccuracyBucket> Buckets(params (long Results, long Correct)[] spans) =>
        [.. spans.Select(static (s, i) => new AccuracyBucket(Five * i, Five, s.Results, s.Correct, 0, 0))];
}

using System.Diagnostics;

namespace IotAi.Inference.Tests;

public sealed class ModelPaceTests
{
    private static readonly long Microsecond = Stopwatch.Frequency / 1_000_000;
    private static readonly long FiveSeconds = 5 * Stopwatch.Frequency;

    [Fact]
    public void One_stalled_batch_does_not_make_a_fast_model_look_slow()
    {
        var pace = new ModelPace();
        for (var i = 0; i < 1000; i++)
        {
            pace.Record(30 * Microsecond, 1);
        }

        // The machine held one lone sample's call for 100 ms, as a collection or a preempted thread on a busy core
        // does; a thousand readings queued behind it are still milliseconds of work, not five seconds.
        pace.Record(100_000 * Microsecond, 1);

        Assert.InRange(pace.TicksPerSample, 30 * Microsecond, 1_000 * Microsecond);
        Assert.False(pace.TooLong(1000, FiveSeconds));
    }

    [Fact]
    public void A_model_that_is_slow_sample_after_sample_is_judged_by_its_pace()
    {
        var pace = new ModelPace();
        pace.Record(30 * Microsecond, 1);
        for (var i = 0; i < 40; i++)
        {
            pace.Record(32 * 50_000 * Microsecond, 32);
        }

        // ResNet18 on a busy core: 50 ms a sample, so 101 queued are more than five seconds, 99 are not.
        Assert.InRange(pace.TicksPerSample, 49_000 * Microsecond, 50_000 * Microsecond);
        Assert.True(pace.TooLong(101, FiveSeconds));
        Assert.False(pace.TooLong(99, FiveSeconds));
    }

    [Fact]
    public void Before_its_first_batch_a_model_refuses_nothing_for_time()
    {
        Assert.False(new ModelPace().TooLong(1_000_000, FiveSeconds));
    }
}

namespace IotAi.Grains.Tests;

public sealed class SequenceWindowTests
{
    [Fact]
    public void Each_number_is_new_once_in_any_order_however_late()
    {
        var window = new SequenceWindow();
        long[] arrivals = [1, 2, 5, 3, 4, 2, 5, 70, 69, 10, 6, 6, 10, 68];

        var accepted = Offer(ref window, arrivals);

        Assert.Equal([1, 2, 5, 3, 4, 70, 69, 10, 6, 68], accepted);
        Assert.Equal(70, window.Highest);
    }

    [Fact]
    public void A_device_that_sends_in_order_keeps_no_gaps()
    {
        var window = new SequenceWindow();

        Offer(ref window, [.. Enumerable.Range(1, 1000).Select(static i => (long)i)]);

        Assert.Null(window.Gaps);
        Assert.False(window.IsNew(1));
        Assert.True(window.IsNew(1001));
    }

    /// <remarks>What a silo down behind the user's broker leaves: every other reading of each device comes a long while after the rest.</remarks>
    [Fact]
    public void Every_other_number_coming_hundreds_later_is_each_taken_once()
    {
        var window = new SequenceWindow();
        var evens = Enumerable.Range(1, 400).Select(static i => 2L * i);
        var odds = Enumerable.Range(0, 400).Select(static i => (2L * i) + 1);

        var accepted = Offer(ref window, [.. evens, .. odds, .. evens, .. odds]);

        Assert.Equal(800, accepted.Count);
        Assert.Equal(Enumerable.Range(1, 800).Select(static i => (long)i), accepted.Order());
        Assert.Null(window.Gaps);
    }

    [Fact]
    public void A_big_jump_keeps_the_numbers_it_skipped_as_one_gap()
    {
        var window = new SequenceWindow();
        window.Accept(1);
        window.Accept(1000);

        Assert.Equal([2, 936], window.Gaps!);
        Assert.False(window.IsNew(1000));
        Assert.True(window.IsNew(999));
        Assert.True(window.IsNew(500));
        Assert.False(window.IsNew(1));

        window.Accept(500);
        Assert.Equal([2, 499, 501, 936], window.Gaps!);
        Assert.False(window.IsNew(500));
    }

    [Fact]
    public void Numbers_below_the_first_one_seen_are_taken_for_repeats()
    {
        var window = new SequenceWindow();
        window.Accept(1_796_591_874_271);

        Assert.Null(window.Gaps);
        Assert.False(window.IsNew(5));
        Assert.False(window.IsNew(1_796_591_874_271 - 100));
    }

    [Fact]
    public void Past_the_bound_the_oldest_gaps_are_forgotten_and_taken_for_repeats()
    {
        var window = new SequenceWindow();
        // Every other number, far enough for each missing one to leave the window as a gap of its own.
        Offer(ref window, [.. Enumerable.Range(0, SequenceWindow.MaxGaps + 100).Select(static i => 2L * (i + 1))]);

        Assert.Equal(2 * SequenceWindow.MaxGaps, window.Gaps!.Length);
        Assert.False(window.IsNew(1));
        Assert.True(window.IsNew(window.Gaps[0]));
    }

    private static List<long> Offer(ref SequenceWindow window, long[] arrivals)
    {
        var accepted = new List<long>();
        foreach (var seq in arrivals)
        {
            if (window.IsNew(seq))
            {
                window.Accept(seq);
                accepted.Add(seq);
            }
        }

        return accepted;
    }
}

namespace IotAi.Grains.Tests;

public sealed class SequenceWindowTests
{
    [Fact]
    public void Each_number_is_new_once_in_any_order_within_the_window()
    {
        var window = new SequenceWindow();
        long[] arrivals = [1, 2, 5, 3, 4, 2, 5, 70, 69, 10, 6];
        var accepted = new List<long>();
        foreach (var seq in arrivals)
        {
            if (window.IsNew(seq))
            {
                window.Accept(seq);
                accepted.Add(seq);
            }
        }

        // 10 is still inside the 64 below 70; 6 is not: too old to tell, so refused rather than risk a double count.
        Assert.Equal([1, 2, 5, 3, 4, 70, 69, 10], accepted);
        Assert.Equal(70, window.Highest);
    }

    [Fact]
    public void A_big_jump_forgets_the_old_window()
    {
        var window = new SequenceWindow();
        window.Accept(1);
        window.Accept(1000);

        Assert.False(window.IsNew(1000));
        Assert.True(window.IsNew(999));
        Assert.False(window.IsNew(1));
    }
}

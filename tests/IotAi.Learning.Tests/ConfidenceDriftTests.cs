namespace IotAi.Learning.Tests;

public sealed class ConfidenceDriftTests
{
    [Fact]
    public void The_same_distribution_has_no_drift_and_a_moved_one_has_much()
    {
        long[] reference = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 10, 20, 40, 100];
        long[] moved = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 40, 30, 30, 20, 10, 10, 10, 5, 5];

        Assert.Equal(0, ConfidenceDrift.Psi(reference, reference), 9);
        Assert.True(ConfidenceDrift.Psi(reference, moved) > 1);
    }

    [Fact]
    public void A_window_is_judged_against_the_first_answers_of_the_version_and_a_new_version_starts_over()
    {
        var drift = new ConfidenceDrift(windowSize: 100);
        for (var i = 0; i < 100; i++)
        {
            drift.Observe("m", "1", 0.97);
        }

        Assert.Null(drift.Psi("m"));
        for (var i = 0; i < 100; i++)
        {
            drift.Observe("m", "1", i % 2 == 0 ? 0.55 : 0.97);
        }

        Assert.True(drift.Psi("m") > 0.2);
        Assert.Contains("m", drift.All().Keys);

        drift.Observe("m", "2", 0.97);
        Assert.Null(drift.Psi("m"));
    }
}

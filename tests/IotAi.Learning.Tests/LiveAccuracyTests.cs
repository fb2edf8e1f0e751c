namespace IotAi.Learning.Tests;

/// <summary>Live accuracy in windows per version, and the model's best as the mark a version is held to.</summary>
public sealed class LiveAccuracyTests
{
    [Fact]
    public void A_versions_first_window_is_its_reference_and_its_latest_full_window_says_how_it_does_now()
    {
        var accuracy = new LiveAccuracy(windowSize: 10);

        Observe(accuracy, "1", right: 10, wrong: 0);
        Observe(accuracy, "1", right: 6, wrong: 4);
        Observe(accuracy, "1", right: 3, wrong: 0);

        var shift = accuracy.Shift("m", "1")!;
        Assert.Equal((new AccuracyWindow(10, 10), new AccuracyWindow(6, 10)), (shift.Best, shift.Now));
        Assert.Equal(new AccuracyWindow(3, 3), accuracy.All().Single().Current);
        Assert.Null(accuracy.Shift("m", "2"));
        Assert.Null(accuracy.Shift("other", "1"));
    }

    [Fact]
    public void A_new_version_is_held_to_the_best_any_version_of_its_model_has_shown()
    {
        var accuracy = new LiveAccuracy(windowSize: 10);
        Observe(accuracy, "1", right: 9, wrong: 1);
        Observe(accuracy, "2", right: 7, wrong: 3);
        Observe(accuracy, "3", right: 8, wrong: 2);

        var shift = accuracy.Shift("m", "3")!;

        Assert.Equal(("1", 0.9, "3", 0.8), (shift.BestVersion, shift.Best.Accuracy, shift.Version, shift.Now.Accuracy));
    }

    [Fact]
    public void Counts_from_a_report_fill_windows_at_once_and_nonsense_counts_are_ignored()
    {
        var accuracy = new LiveAccuracy(windowSize: 100);

        accuracy.Observe("m", "1", correct: 240, graded: 250);
        accuracy.Observe("m", "1", correct: 5, graded: 3);
        accuracy.Observe("m", "1", correct: -1, graded: 3);

        Assert.Equal(new AccuracyWindow(240, 250), accuracy.Shift("m", "1")!.Now);
    }

    private static void Observe(LiveAccuracy accuracy, string version, int right, int wrong)
    {
        for (var i = 0; i < right; i++)
        {
            accuracy.Observe("m", version, correct: true);
        }

        for (var i = 0; i < wrong; i++)
        {
            accuracy.Observe("m", version, correct: false);
        }
    }
}

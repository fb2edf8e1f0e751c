using IotAi.Edge.Models;

namespace IotAi.Edge.Tests;

public sealed class ModelQualityTrackerTests
{
    private readonly ModelQualityTracker _tracker = new();

    [Fact]
    public void Answers_are_counted_by_version_with_hard_examples_and_truth()
    {
        _tracker.Record("m", "1", 0.97f, 0.6, correct: true);
        _tracker.Record("m", "1", 0.55f, 0.6, correct: false);
        _tracker.Record("m", "1", 0.80f, 0.6, correct: null);
        _tracker.RecordError("m", "1");

        var report = Assert.Single(_tracker.TakeChanged());

        Assert.Equal(("m", "1", 3L, 1L, 2L, 1L, 1L), (report.Name, report.Version, report.Samples, report.Hard, report.Labeled, report.Correct, report.Errors));
        Assert.Equal((1L, 1L, 1L), (report.Confidence[19], report.Confidence[11], report.Confidence[16]));
        Assert.Null(report.Validate());
    }

    [Fact]
    public void Only_versions_that_answered_since_the_last_report_are_reported_again()
    {
        _tracker.Record("m", "1", 0.9f, 0.6, null);
        _tracker.Record("m", "2", 0.9f, 0.6, null);
        _tracker.TakeChanged();

        _tracker.Record("m", "2", 0.9f, 0.6, null);

        var report = Assert.Single(_tracker.TakeChanged());
        Assert.Equal(("2", 2L), (report.Version, report.Samples));
        Assert.Empty(_tracker.TakeChanged());
    }

    [Fact]
    public void A_version_swapped_in_again_starts_from_zero_and_the_others_keep_their_figures()
    {
        _tracker.Record("m", "1", 0.9f, 0.6, null);
        _tracker.Record("m", "2", 0.9f, 0.6, null);
        _tracker.Record("m", "2", 0.9f, 0.6, null);

        _tracker.Restart("m", "2");
        _tracker.Record("m", "2", 0.3f, 0.6, null);

        var reports = _tracker.TakeChanged().ToDictionary(r => r.Version);
        Assert.Equal(1, reports["1"].Samples);
        Assert.Equal((1L, 1L), (reports["2"].Samples, reports["2"].Hard));
    }

    [Fact]
    public void Only_the_three_latest_versions_of_a_model_are_kept()
    {
        foreach (var version in new[] { "1", "2", "3", "4" })
        {
            _tracker.Record("m", version, 0.9f, 0.6, null);
        }

        _tracker.Record("other", "1", 0.9f, 0.6, null);

        var reports = _tracker.TakeChanged();
        Assert.Equal(["2", "3", "4"], reports.Where(r => r.Name == "m").Select(r => r.Version));
        Assert.Single(reports, r => r.Name == "other");
    }
}

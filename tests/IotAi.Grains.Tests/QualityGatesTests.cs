using IotAi.Grains.Rollouts;
using IotAi.Protocol;

namespace IotAi.Grains.Tests;

public sealed class QualityGatesTests
{
    private static readonly QualityGates Gates = QualityGates.Default;

    /// <summary>Answers spread over the given confidences, <paramref name="hard"/> of them hard, <paramref name="correct"/> of the labelled right.</summary>
    private static QualityStats Answers(int count, double confidence, int hard = 0, int labeled = 0, int correct = 0)
    {
        var bins = new long[ModelQualityReport.Bins];
        bins[ModelQualityReport.Bin(confidence)] = count;
        return new QualityStats(count, hard, labeled, correct, bins);
    }

    [Fact]
    public void A_stage_with_too_few_answers_waits()
    {
        var verdict = Gates.Judge(Answers(99, 0.9), Answers(1000, 0.9));

        Assert.Equal(QualityOutcome.Waiting, verdict.Outcome);
        Assert.Contains("99 of the 100", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_baseline_the_version_passes_on_activation_alone()
    {
        var verdict = Gates.Judge(Answers(500, 0.5), Answers(20, 0.95));

        Assert.Equal(QualityOutcome.Passed, verdict.Outcome);
        Assert.Contains("no baseline", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_whose_confidence_collapses_fails()
    {
        var verdict = Gates.Judge(Answers(500, 0.52), Answers(500, 0.97));

        Assert.Equal(QualityOutcome.Failed, verdict.Outcome);
        Assert.Contains("confidence collapsed", verdict.Summary, StringComparison.Ordinal);
        Assert.Equal(1.0, verdict.Candidate.ShiftBelow(verdict.Baseline), 6);
    }

    [Fact]
    public void A_version_as_sure_as_before_or_surer_passes()
    {
        Assert.Equal(QualityOutcome.Passed, Gates.Judge(Answers(500, 0.97), Answers(500, 0.97)).Outcome);
        Assert.Equal(QualityOutcome.Passed, Gates.Judge(Answers(500, 0.99), Answers(500, 0.7)).Outcome);
        Assert.Equal(0, Answers(500, 0.99).ShiftBelow(Answers(500, 0.7)));
    }

    [Fact]
    public void A_small_slide_in_confidence_is_allowed_and_a_large_one_is_not()
    {
        // A fifth of the answers moving from 0.97 to 0.72 is within the default 25 %; half of them is not.
        var baseline = Answers(1000, 0.97);
        var slid = Answers(800, 0.97).Add(Answers(200, 0.72));
        var fell = Answers(500, 0.97).Add(Answers(500, 0.72));

        Assert.Equal(0.2, slid.ShiftBelow(baseline), 6);
        Assert.Equal(QualityOutcome.Passed, Gates.Judge(slid, baseline).Outcome);
        Assert.Equal(QualityOutcome.Failed, Gates.Judge(fell, baseline).Outcome);
    }

    [Fact]
    public void More_hard_examples_than_allowed_fail()
    {
        // Same histogram, so only the hard-example rate differs: 5 % before, 20 % now.
        var verdict = Gates.Judge(Answers(1000, 0.9, hard: 200), Answers(1000, 0.9, hard: 50));

        Assert.Equal(QualityOutcome.Failed, verdict.Outcome);
        Assert.Contains("hard examples rose from 5.0 % to 20.0 %", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Accuracy_falling_on_known_truth_fails_but_only_with_enough_labels()
    {
        var worse = Gates.Judge(Answers(1000, 0.9, labeled: 1000, correct: 900), Answers(1000, 0.9, labeled: 1000, correct: 990));
        var fewLabels = Gates.Judge(Answers(1000, 0.9, labeled: 50, correct: 10), Answers(1000, 0.9, labeled: 1000, correct: 990));

        Assert.Equal(QualityOutcome.Failed, worse.Outcome);
        Assert.Contains("accuracy fell from 99.0 % to 90.0 %", worse.Summary, StringComparison.Ordinal);
        Assert.Equal(QualityOutcome.Passed, fewLabels.Outcome);
    }

    [Fact]
    public void A_version_that_fails_on_samples_at_the_edge_fails_even_without_a_baseline()
    {
        var failing = Answers(90, 0.9) with { Errors = 10 };

        var verdict = Gates.Judge(failing, QualityStats.Empty);

        Assert.Equal(QualityOutcome.Failed, verdict.Outcome);
        Assert.Contains("failed on 10.0 % of samples", verdict.Summary, StringComparison.Ordinal);
        Assert.Equal(QualityOutcome.Passed, Gates.Judge(Answers(1000, 0.9) with { Errors = 5 }, Answers(1000, 0.9)).Outcome);
    }

    [Fact]
    public void Stage_figures_are_the_sum_of_their_devices()
    {
        var sum = Answers(10, 0.9, hard: 1, labeled: 4, correct: 3).Add(Answers(30, 0.3, hard: 30, labeled: 30, correct: 10) with { Errors = 2 });

        Assert.Equal((40L, 31L, 34L, 13L, 2L), (sum.Samples, sum.Hard, sum.Labeled, sum.Correct, sum.Errors));
        Assert.Equal((10 * 0.925 + 30 * 0.325) / 40, sum.MeanConfidence, 6);
        Assert.Equal(31.0 / 40, sum.HardRate, 6);
    }

    [Fact]
    public void Gates_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentException>(() => (QualityGates.Default with { MinSamples = 0 }).Validate());
        Assert.Throws<ArgumentException>(() => (QualityGates.Default with { MaxConfidenceShift = 1.5 }).Validate());
        Assert.Throws<ArgumentException>(() => (RolloutGates.Default with { Quality = QualityGates.Default with { MaxAccuracyDrop = -0.1 } }).Validate());
        Assert.Throws<ArgumentException>(() => (QualityGates.Default with { MaxLiveAccuracyDrop = 2 }).Validate());
        Assert.Throws<ArgumentException>(() => (QualityGates.Default with { LiveWait = TimeSpan.FromSeconds(-1) }).Validate());
    }

    /// <summary>A live tally of <paramref name="pairs"/> labelled uplinks, the new version right on <paramref name="candidate"/>, the old on <paramref name="baseline"/>.</summary>
    private static LiveTally Live(int pairs, int candidate, int baseline, int errors = 0)
    {
        var tally = LiveTally.Empty;
        for (var i = 0; i < pairs; i++)
        {
            tally = tally.Count(failed: false, i < candidate, i < baseline);
        }

        for (var i = 0; i < errors; i++)
        {
            tally = tally.Count(failed: true);
        }

        return tally;
    }

    [Fact]
    public void Live_the_new_version_must_match_or_beat_the_old_on_the_same_labelled_uplinks()
    {
        var worse = Gates.JudgeLive(Live(200, 170, 196), "2", "1", TimeSpan.FromMinutes(1));
        var equal = Gates.JudgeLive(Live(200, 196, 196), "2", "1", TimeSpan.FromMinutes(1));
        var better = Gates.JudgeLive(Live(200, 199, 150), "2", "1", TimeSpan.FromMinutes(1));

        Assert.Equal(QualityOutcome.Failed, worse.Outcome);
        Assert.Equal("on 200 labelled uplinks v2 answered 85.0 % right, v1 98.0 %: worse than the version it replaces (at most 0.5 % lower allowed)", worse.Summary);
        Assert.Equal((QualityOutcome.Passed, QualityOutcome.Passed), (equal.Outcome, better.Outcome));
        Assert.Equal((200L, 199L, 150L, 49L, 0L), (better.Tally.Pairs, better.Tally.CandidateRight, better.Tally.BaselineRight, better.Tally.CandidateOnly, better.Tally.BaselineOnly));
    }

    [Fact]
    public void Live_too_few_pairs_wait_no_pairs_at_all_pass_after_the_wait_and_errors_fail_without_pairs()
    {
        Assert.Equal(QualityOutcome.Waiting, Gates.JudgeLive(Live(99, 0, 99), "2", "1", TimeSpan.FromHours(1)).Outcome);
        Assert.Equal(QualityOutcome.Waiting, Gates.JudgeLive(LiveTally.Empty, "2", "1", TimeSpan.FromSeconds(119)).Outcome);
        var blind = Gates.JudgeLive(LiveTally.Empty, "2", "1", TimeSpan.FromSeconds(120));
        Assert.Equal(QualityOutcome.Passed, blind.Outcome);
        Assert.StartsWith("no labelled uplink to compare v2 with v1 on within 00:02:00", blind.Summary, StringComparison.Ordinal);

        var failing = Gates.JudgeLive(Live(0, 0, 0) with { CandidateRuns = 100, CandidateErrors = 2 }, "2", "1", TimeSpan.Zero);
        Assert.Equal(QualityOutcome.Failed, failing.Outcome);
        Assert.Contains("v2 failed on 2.0 % of the uplinks it was given", failing.Summary, StringComparison.Ordinal);
        Assert.Equal((1L, 1L, 0L), (Live(0, 0, 0, errors: 1).CandidateRuns, Live(0, 0, 0, errors: 1).CandidateErrors, Live(0, 0, 0, errors: 1).Pairs));
    }
}

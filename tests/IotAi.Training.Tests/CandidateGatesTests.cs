namespace IotAi.Training.Tests;

/// <summary>Each gate a candidate must pass, judged on figures made to show one failing at a time.</summary>
public sealed class CandidateGatesTests
{
    private static readonly string[] Labels = ["normal", "anomaly"];
    private static readonly TrainingRequest Request = new("m");

    /// <summary>
    /// Figures on <paramref name="rows"/> rows, half of each label: the active version right on <paramref name="currentRight"/> of
    /// each label's, the candidate on <paramref name="candidateRight"/>, with the rows only one gets right as few as can be.
    /// </summary>
    private static PairedEvaluation Paired(int rows, (int Normal, int Anomaly) currentRight, (int Normal, int Anomaly) candidateRight)
    {
        var half = rows / 2;
        List<LabelledRow> truth = [.. Enumerable.Range(0, rows).Select(i => new LabelledRow([], i < half ? 0 : 1))];
        int[] Answers((int Normal, int Anomaly) right) => [.. Enumerable.Range(0, rows).Select(i => i < half ? (i < right.Normal ? 0 : 1) : (i - half < right.Anomaly ? 1 : 0))];
        var (before, after) = (Answers(currentRight), Answers(candidateRight));
        var candidateOnly = Enumerable.Range(0, rows).Count(i => after[i] == truth[i].LabelIndex && before[i] != truth[i].LabelIndex);
        var currentOnly = Enumerable.Range(0, rows).Count(i => before[i] == truth[i].LabelIndex && after[i] != truth[i].LabelIndex);
        return new PairedEvaluation(ModelEvaluation.From(Labels, truth, before), ModelEvaluation.From(Labels, truth, after), candidateOnly, currentOnly);
    }

    private static PairedEvaluation Holdout => Paired(100, (40, 40), (45, 45));

    [Fact]
    public void A_candidate_that_wins_on_the_traffic_for_every_label_and_holds_its_regression_set_passes_every_gate()
    {
        var checks = CandidateGates.Judge(Request, "1", Holdout, Paired(400, (150, 150), (190, 190)), Paired(200, (95, 95), (94, 94)));

        Assert.Equal(["traffic", "traffic.f1.anomaly", "traffic.f1.normal", "regression"], checks.Select(c => c.Gate));
        Assert.All(checks, c => Assert.True(c.Passed, c.Summary));
        Assert.Equal((0.75, 0.95), (checks[0].Current, checks[0].Candidate));
    }

    [Fact]
    public void A_win_too_small_or_too_few_rows_to_tell_from_chance_is_refused()
    {
        var small = CandidateGates.Judge(Request, "1", Holdout, Paired(400, (190, 190), (191, 191)), null);
        var lucky = CandidateGates.Judge(Request, "1", Holdout, Paired(100, (45, 45), (47, 46)), null);

        Assert.False(small[0].Passed, small[0].Summary);
        Assert.False(lucky[0].Passed, lucky[0].Summary);
        Assert.Contains("z 1.7", lucky[0].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_candidate_that_wins_overall_by_giving_up_a_label_is_refused_on_that_label_and_labels_too_rare_to_judge_are_not()
    {
        // Better on circles and squares, which are most of the traffic, but worse on triangles; empty frames are too rare to judge.
        var before = Figures(0.80, ("circle", 180, 0.70), ("square", 180, 0.80), ("triangle", 36, 0.90), ("empty", 4, 1.0));
        var after = Figures(0.90, ("circle", 180, 0.90), ("square", 180, 0.95), ("triangle", 36, 0.80), ("empty", 4, 0.0));

        var checks = CandidateGates.Judge(Request, "1", Holdout, new PairedEvaluation(before, after, 60, 20), null);

        Assert.True(checks.Single(c => c.Gate == "traffic").Passed);
        var triangle = checks.Single(c => c.Gate == CandidateGates.LabelGate("triangle"));
        Assert.False(triangle.Passed, triangle.Summary);
        Assert.Equal("'triangle' F1 on recent traffic 0.80 against v1's 0.90 (may fall by 0.05)", triangle.Summary);
        Assert.DoesNotContain(checks, c => c.Gate == CandidateGates.LabelGate("empty"));
    }

    private static ModelEvaluation Figures(double accuracy, params (string Label, int Support, double F1)[] labels) =>
        new(labels.Sum(static l => l.Support), accuracy, labels.Average(static l => l.F1),
            labels.ToDictionary(static l => l.Label, static l => new LabelFigures(l.Support, l.F1, l.F1, l.F1), StringComparer.Ordinal));

    [Fact]
    public void A_candidate_that_forgets_its_regression_set_is_refused_and_a_version_without_one_is_not_held_to_one()
    {
        var traffic = Paired(400, (150, 150), (190, 190));

        var forgot = CandidateGates.Judge(Request, "1", Holdout, traffic, Paired(200, (95, 95), (80, 80))).Single(c => c.Gate == "regression");
        var none = CandidateGates.Judge(Request, "1", Holdout, traffic, null).Single(c => c.Gate == "regression");

        Assert.False(forgot.Passed, forgot.Summary);
        Assert.Equal("on v1's regression set of 200 80.0 % against 95.0 % (-15.0 points; may fall by 5.0 %)", forgot.Summary);
        Assert.True(none.Passed);
        Assert.Equal("v1 has no regression set to hold the candidate to", none.Summary);
    }

    [Fact]
    public void Too_few_evaluation_samples_refuse_the_candidate_unless_the_traffic_gates_are_off_when_the_holdout_decides()
    {
        var few = CandidateGates.Judge(Request, "1", Holdout, Paired(40, (10, 10), (20, 20)), null);
        var off = CandidateGates.Judge(Request with { MinEvaluationSamples = 0 }, "1", Holdout, null, null);

        Assert.False(few[0].Passed);
        Assert.StartsWith("only 40 labelled evaluation samples", few[0].Summary, StringComparison.Ordinal);
        Assert.Equal(("holdout", true), (off[0].Gate, off[0].Passed));
    }
}

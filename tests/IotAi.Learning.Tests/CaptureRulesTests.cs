using IotAi.Protocol;

namespace IotAi.Learning.Tests;

public sealed class CaptureRulesTests
{
    private static readonly CaptureOptions Policy = new() { HardBelow = 0.6, RandomFraction = 0, EvaluationFraction = 0 };

    [Fact]
    public void A_sure_ordinary_answer_is_not_kept()
    {
        Assert.Equal(CaptureReasons.None, CaptureRules.Decide(Policy, "d", 1, "normal", [0.97f, 0.03f], null));
    }

    [Fact]
    public void An_unsure_answer_is_a_hard_example()
    {
        Assert.Equal(CaptureReasons.HardExample, CaptureRules.Decide(Policy, "d", 1, "normal", [0.55f, 0.45f], null));
    }

    [Fact]
    public void High_entropy_makes_a_hard_example_even_when_the_top_score_clears_the_threshold()
    {
        var policy = new CaptureOptions { HardBelow = 0.3, EntropyAbove = 0.7, RandomFraction = 0, EvaluationFraction = 0 };
        float[] spread = [0.4f, 0.3f, 0.2f, 0.1f];

        Assert.InRange(CaptureRules.NormalisedEntropy(spread), 0.9, 0.93);
        Assert.Equal(CaptureReasons.HardExample, CaptureRules.Decide(policy, "d", 1, "circle", spread, null));
        Assert.Equal(0, CaptureRules.NormalisedEntropy([1f, 0f, 0f]), 6);
    }

    [Fact]
    public void Edge_and_cloud_disagreeing_and_anomalies_are_kept_for_their_reasons()
    {
        var edge = new EdgeAnswer("sensor-anomaly", "2", "normal", 0.58f);

        var reasons = CaptureRules.Decide(Policy, "d", 1, "anomaly", [0.1f, 0.9f], edge);

        Assert.Equal(CaptureReasons.Disagreement | CaptureReasons.Anomaly, reasons);
        Assert.Equal(CaptureReasons.None, CaptureRules.Decide(Policy, "d", 1, "normal", [0.9f, 0.1f], edge with { Confidence = 0.9f }));
    }

    [Fact]
    public void The_random_draw_keeps_about_its_share_and_the_same_samples_every_time()
    {
        var policy = new CaptureOptions { RandomFraction = 0.1, EvaluationFraction = 0, HardBelow = 0 };

        var kept = Enumerable.Range(1, 10_000).Count(seq => CaptureRules.Decide(policy, "pump-7", seq, "normal", [0.99f, 0.01f], null) == CaptureReasons.Random);
        var again = Enumerable.Range(1, 10_000).Count(seq => CaptureRules.Decide(policy, "pump-7", seq, "normal", [0.99f, 0.01f], null) == CaptureReasons.Random);

        Assert.InRange(kept, 900, 1100);
        Assert.Equal(kept, again);
    }

    [Fact]
    public void The_evaluation_draw_keeps_its_share_whatever_else_a_sample_is_and_apart_from_the_random_draw()
    {
        var policy = new CaptureOptions { RandomFraction = 0.1, EvaluationFraction = 0.1, HardBelow = 0.6 };

        var reasons = Enumerable.Range(1, 20_000).Select(seq => CaptureRules.Decide(policy, "cam-3", seq, "circle", seq % 2 == 0 ? [0.5f, 0.5f] : [0.99f, 0.01f], null)).ToList();

        var evaluation = reasons.Count(static r => r.HasFlag(CaptureReasons.Evaluation));
        Assert.InRange(evaluation, 1800, 2200);
        // As many of the hard examples as of the sure answers: the draw does not lean towards what else keeps a sample.
        Assert.InRange(reasons.Where((_, i) => i % 2 == 1).Count(static r => r.HasFlag(CaptureReasons.Evaluation)), 900, 1100);
        // Independent of the random draw: both at once about a tenth of a tenth.
        Assert.InRange(reasons.Count(static r => r.HasFlag(CaptureReasons.Evaluation | CaptureReasons.Random)), 150, 250);
    }
}

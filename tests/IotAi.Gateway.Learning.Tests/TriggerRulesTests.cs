using IotAi.Gateway.Learning;
using IotAi.Learning;

namespace IotAi.Gateway.Learning.Tests;

public sealed class TriggerRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TrainingOptions Options = new() { AfterNewLabels = 500, DriftPsi = 0.2, Every = TimeSpan.FromDays(1), MinInterval = TimeSpan.FromMinutes(10) };

    /// <summary>The serving version <paramref name="version"/> right on <paramref name="now"/> of 500 answers, the model at its best on 493 of 500 (98.6 %).</summary>
    private static AccuracyShift Live(int now, string version = "2") => new("1", new AccuracyWindow(493, 500), version, new AccuracyWindow(now, 500));

    [Fact]
    public void Each_trigger_says_why_it_fired()
    {
        Assert.Equal("confidence drift: PSI 0.35 above 0.20", TriggerRules.Due(1100, 1000, 0.35, null, Now.AddHours(-1), Now, Options));
        Assert.Equal("live accuracy of v2 fell to 80.0 % of 500 answers, from 98.6 % (v1 at its start)", TriggerRules.Due(1100, 1000, 0.1, Live(400), Now.AddHours(-1), Now, Options));
        Assert.Equal("600 new labelled samples, and v2 answers 94.0 % of recent traffic right against 98.6 % at best (v1)", TriggerRules.Due(1600, 1000, 0.1, Live(470), Now.AddHours(-1), Now, Options));
        Assert.Equal("schedule", TriggerRules.Due(1000, 1000, 0.1, null, Now.AddDays(-2), Now, Options));
    }

    [Fact]
    public void New_labels_alone_start_nothing_while_the_model_answers_as_well_as_it_ever_did()
    {
        // However many labels come, a model no worse than its best is left alone; as is one whose fall is within chance.
        Assert.Null(TriggerRules.Due(100_000, 1000, 0.05, Live(493), Now.AddHours(-1), Now, Options));
        Assert.Null(TriggerRules.Due(100_000, 1000, 0.05, Live(480), Now.AddHours(-1), Now, Options));
        Assert.Null(TriggerRules.Due(100_000, 1000, 0.05, null, Now.AddHours(-1), Now, Options));
    }

    [Fact]
    public void Nothing_fires_without_cause_too_soon_after_a_run_or_with_nothing_to_learn_from()
    {
        Assert.Null(TriggerRules.Due(1100, 1000, 0.1, Live(493), Now.AddHours(-1), Now, Options));
        Assert.Null(TriggerRules.Due(5000, 0, 3.0, Live(10), Now.AddMinutes(-5), Now, Options));
        Assert.Null(TriggerRules.Due(10, 0, 3.0, Live(10), Now.AddHours(-1), Now, Options));
    }

    [Fact]
    public void A_fall_is_measured_against_the_best_window_and_in_standard_errors()
    {
        var shift = Live(470);

        Assert.Equal(0.046, shift.Drop, 6);
        Assert.InRange(shift.Z, 3.8, 3.9);
        Assert.True(shift.IsWorseBy(0.01, 3));
        Assert.False(shift.IsWorseBy(0.05, 3));
        Assert.False(new AccuracyShift("1", new AccuracyWindow(500, 500), "1", new AccuracyWindow(500, 500)).IsWorseBy(0, 0.1));
    }
}

using IotAi.Gateway.Training;

namespace IotAi.EndToEnd.Tests;

public sealed class TriggerRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TrainingOptions Options = new() { AfterNewLabels = 500, DriftPsi = 0.2, Every = TimeSpan.FromDays(1), MinInterval = TimeSpan.FromMinutes(10) };

    [Fact]
    public void Each_trigger_says_why_it_fired()
    {
        Assert.Equal("600 new labelled samples", TriggerRules.Due(1600, 1000, null, Now.AddHours(-1), Now, Options));
        Assert.Equal("confidence drift: PSI 0.35 above 0.20", TriggerRules.Due(1100, 1000, 0.35, Now.AddHours(-1), Now, Options));
        Assert.Equal("schedule", TriggerRules.Due(1000, 1000, 0.1, Now.AddDays(-2), Now, Options));
    }

    [Fact]
    public void Nothing_fires_without_cause_too_soon_after_a_run_or_on_drift_with_nothing_to_learn_from()
    {
        Assert.Null(TriggerRules.Due(1100, 1000, 0.1, Now.AddHours(-1), Now, Options));
        Assert.Null(TriggerRules.Due(5000, 0, 3.0, Now.AddMinutes(-5), Now, Options));
        Assert.Null(TriggerRules.Due(10, 0, 3.0, Now.AddHours(-1), Now, Options));
    }
}

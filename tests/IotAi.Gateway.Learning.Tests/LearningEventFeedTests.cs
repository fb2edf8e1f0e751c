using IotAi.Gateway.Learning;
using IotAi.Grains.Rollouts;
using IotAi.Training;

namespace IotAi.Gateway.Learning.Tests;

/// <summary>The demo's event feed says each step of a training run and its rollout once, with the figures that matter.</summary>
public sealed class LearningEventFeedTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_triggered_run_is_said_started_then_registered_with_the_figures_it_was_judged_on_each_once()
    {
        var feed = new LearningEventFeed();
        var run = new TriggeredRun("run-a", "sensor-anomaly", "live accuracy of v1 fell to 12.0 % of 200 answers, from 98.5 % (v1 at its start)", Noon);
        var outcome = new TrainingOutcome("run-a", "sensor-anomaly", "snap", 400, 100, "1", Evaluation(0.612), Evaluation(0.975), "2", "registered 2")
        {
            Traffic = new PairedEvaluation(Evaluation(0.31), Evaluation(0.96), 60, 2),
            Regression = new PairedEvaluation(Evaluation(0.998), Evaluation(0.989), 1, 19),
        };

        Assert.Equal(["training run run-a started: live accuracy of v1 fell to 12.0 % of 200 answers, from 98.5 % (v1 at its start)"], feed.Observe(run));
        Assert.Empty(feed.Observe(new TrainingStatus("run-a", "sensor-anomaly", TrainingStates.Running, "training on 400 samples", null, null)));
        var registered = new TrainingStatus("run-a", "sensor-anomaly", TrainingStates.Registered, "registered 2", outcome, "retrain-run-a");
        Assert.Equal(["training run run-a registered sensor-anomaly v2: recent traffic 31.0 % with v1 → 96.0 % (100 samples), regression set 99.8 % → 98.9 %, kept samples held out 61.2 % → 97.5 %"],
            feed.Observe(registered));

        // Read again and again, as the view polls: nothing new to say.
        Assert.Empty(feed.Observe(run));
        Assert.Empty(feed.Observe(registered));
    }

    [Fact]
    public void Refused_and_failed_runs_say_why()
    {
        var feed = new LearningEventFeed();
        var refused = new TrainingStatus("run-b", "shape-classifier", TrainingStates.Refused,
            "refused: on 412 samples of recent traffic 91.5 % against v1's 97.8 % (-6.3 points, z -3.4; must win by 1.0 % at z 2 or more)", null, null);
        var failed = new TrainingStatus("run-c", "shape-classifier", TrainingStates.Failed, "disk full", null, null);

        Assert.Equal(["training run run-b refused: on 412 samples of recent traffic 91.5 % against v1's 97.8 % (-6.3 points, z -3.4; must win by 1.0 % at z 2 or more)"], feed.Observe(refused));
        Assert.Equal(["training run run-c failed: disk full"], feed.Observe(failed));
    }

    [Fact]
    public void A_rollout_is_said_at_each_stage_and_at_its_end()
    {
        var feed = new LearningEventFeed();
        var plan = new RolloutPlan("sensor-anomaly", "2", new RolloutTarget(), [new RolloutStage("canary", 10), new RolloutStage("all", 100)], RolloutGates.Default);
        RolloutStatus At(RolloutPhase phase, int stage, string? reason = null) =>
            new("retrain-a", plan, phase, stage, 20, new Dictionary<string, int>(), 1, 0, reason, null);

        Assert.Equal(["rollout retrain-a of sensor-anomaly v2: stage canary (10 % of 20 devices)"], feed.Observe(At(RolloutPhase.Running, 0)));
        Assert.Empty(feed.Observe(At(RolloutPhase.Running, 0)));
        Assert.Equal(["rollout retrain-a of sensor-anomaly v2: stage all (100 % of 20 devices)"], feed.Observe(At(RolloutPhase.Running, 1)));
        Assert.Equal(["rollout retrain-a of sensor-anomaly v2 completed on 20 devices"], feed.Observe(At(RolloutPhase.Completed, 1)));

        var back = new LearningEventFeed();
        Assert.Equal(["rollout retrain-a of sensor-anomaly v2 rolled back: stage canary: accuracy fell"], back.Observe(At(RolloutPhase.RolledBack, 0, "stage canary: accuracy fell")));
    }

    [Fact]
    public void Where_the_cloud_serves_devices_each_stage_says_what_the_live_trial_found_once_it_found_something()
    {
        var feed = new LearningEventFeed();
        var plan = new RolloutPlan("shape-classifier", "2", new RolloutTarget(), [new RolloutStage("canary", 10), new RolloutStage("all", 100)], RolloutGates.Default);
        RolloutStatus At(int stage, RolloutPhase phase, QualityOutcome outcome, string summary) =>
            new("retrain-b", plan, phase, stage, 20, new Dictionary<string, int>(), 1, 0, null, null, new LiveVerdict(outcome, summary, LiveTally.Empty, "1"));

        Assert.Equal(["rollout retrain-b of shape-classifier v2: stage canary (10 % of 20 devices)"],
            feed.Observe(At(0, RolloutPhase.Running, QualityOutcome.Waiting, "12 of the 100 labelled uplinks needed")));
        Assert.Equal(["rollout retrain-b of shape-classifier v2: stage all (100 % of 20 devices); live: on 104 labelled uplinks v2 answered 96.2 % right, v1 3.8 %"],
            feed.Observe(At(1, RolloutPhase.Running, QualityOutcome.Passed, "on 104 labelled uplinks v2 answered 96.2 % right, v1 3.8 %")));
    }

    [Fact]
    public void The_feed_counts_how_runs_and_rollouts_ended_once_each()
    {
        var feed = new LearningEventFeed();
        var plan = new RolloutPlan("sensor-anomaly", "2", new RolloutTarget(), [new RolloutStage("all", 100)], RolloutGates.Default);
        var registered = new TrainingStatus("run-r", "sensor-anomaly", TrainingStates.Registered, "registered 2",
            new TrainingOutcome("run-r", "sensor-anomaly", "s", 1, 1, "1", Evaluation(0.5), Evaluation(0.9), "2", "registered 2"), null);

        feed.Observe(registered);
        feed.Observe(registered);
        feed.Observe(new TrainingStatus("run-a", "sensor-anomaly", TrainingStates.Refused, "refused: on 200 samples", null, null));
        feed.Observe(new RolloutStatus("r1", plan, RolloutPhase.Completed, 0, 5, new Dictionary<string, int>(), 1, 0, null, null));
        feed.Observe(new RolloutStatus("r2", plan, RolloutPhase.RolledBack, 0, 5, new Dictionary<string, int>(), 1, 0, "worse", null));

        Assert.Equal(new LoopTally(1, 1, 0, 1, 1, 0), feed.Tally);
        Assert.Equal("2 training runs (1 registered, 1 refused by their gates), 1 rollouts through every gate, 1 rolled back by a gate", feed.Tally.ToString());
    }

    private static ModelEvaluation Evaluation(double accuracy) => new(100, accuracy, accuracy, new Dictionary<string, LabelFigures>());
}

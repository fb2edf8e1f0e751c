using IotAi.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using IotAi.Training;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Training.Tests;

/// <summary>
/// A training run on kept, labelled samples: a candidate that beats the active version on recent traffic (the evaluation
/// samples) and holds up on its regression set is registered, one that does not is refused, and without recent traffic to
/// judge on nothing is registered unless an operator turns that gate off.
/// </summary>
public sealed class RetrainingTests : IDisposable
{
    private readonly TrainingData _data = new("sensor-anomaly");

    private ModelRegistry Registry => _data.Registry;

    private TrainingRunner Runner() => _data.Runner();

    /// <summary>Kept readings as hard examples, and a share of the same world's traffic kept apart for evaluation.</summary>
    private void KeepLabelledReadings(double drift, int count, int evaluation = 200)
    {
        LabelledReadings.Keep(_data.Samples, "sensor-anomaly", "plant-3", count, drift, seed: 17, _data.Clock.GetUtcNow());
        LabelledReadings.Keep(_data.Samples, "sensor-anomaly", "plant-4", evaluation, drift, seed: 18, _data.Clock.GetUtcNow(), reasons: CaptureReasons.Evaluation);
    }

    [Fact]
    public void After_drift_the_candidate_beats_the_active_version_on_recent_traffic_and_is_registered_with_its_lineage_figures_and_data()
    {
        KeepLabelledReadings(drift: 12, count: 800);

        var outcome = Runner().Run(new TrainingRequest("sensor-anomaly"));

        Assert.Equal("2", outcome.RegisteredVersion);
        Assert.True(outcome.Traffic!.Candidate.Accuracy > outcome.Traffic.Current.Accuracy + 0.1, outcome.Verdict);
        Assert.All(outcome.Gates!, g => Assert.True(g.Passed, g.Summary));
        Assert.Equal([CandidateGates.Traffic, CandidateGates.LabelGate("anomaly"), CandidateGates.LabelGate("normal"), CandidateGates.Regression], outcome.Gates!.Select(g => g.Gate));
        var registered = Registry.Find("sensor-anomaly", "2")!;
        Assert.Equal(("1", outcome.RunId, outcome.SnapshotId), (registered.Manifest.Lineage!.ParentVersion, registered.Manifest.Lineage.TrainingRun, registered.Manifest.Lineage.DatasetSnapshot));
        Assert.Equal(outcome.Candidate!.Accuracy, registered.Manifest.Metrics["accuracy"], 6);
        Assert.Equal(outcome.Traffic.Candidate.Accuracy, registered.Manifest.Metrics["traffic.accuracy"], 6);
        Assert.Equal(outcome.Regression!.Candidate.Accuracy, registered.Manifest.Metrics["regression.accuracy"], 6);
        Assert.True(registered.Manifest.Metrics.ContainsKey("macroF1") && registered.Manifest.Metrics.ContainsKey("f1.anomaly"));
        Assert.Equal(ModelState.Available, registered.State);

        // The evaluation samples were judged on, never trained on; the shipped version's training rows were replayed.
        var snapshot = _data.Datasets.Find("sensor-anomaly", outcome.SnapshotId)!;
        Assert.Equal((1000, 200, outcome.HoldoutSamples, outcome.TrainSamples), (snapshot.Samples.Count, snapshot.Evaluation.Count(), snapshot.Holdout.Count(), snapshot.Train.Count()));
        Assert.All(snapshot.Evaluation, s => Assert.StartsWith("plant-4.", s.Id, StringComparison.Ordinal));
        Assert.Equal(2 * outcome.TrainSamples, outcome.ReplaySamples);
        var data = _data.Versions;
        Assert.Equal(outcome.TrainSamples + outcome.ReplaySamples, data.Training("sensor-anomaly", "2")!.Count);
        // The shipped version's regression set is its holdout, sampled down to the most a set holds; the new one's adds its own holdout.
        Assert.Equal(VersionDatasets.MaxRegressionRows, outcome.Regression.Current.Samples);
        Assert.Equal(VersionDatasets.MaxRegressionRows, data.Regression("sensor-anomaly", "2")!.Count);
    }

    [Fact]
    public void A_candidate_that_does_not_beat_the_active_version_on_recent_traffic_is_refused_and_nothing_is_registered()
    {
        KeepLabelledReadings(drift: 0, count: 800);

        var outcome = Runner().Run(new TrainingRequest("sensor-anomaly", MinImprovement: 0.01));

        Assert.Null(outcome.RegisteredVersion);
        Assert.StartsWith("refused: on 200 samples of recent traffic", outcome.Verdict, StringComparison.Ordinal);
        Assert.False(outcome.Gates!.Single(g => g.Gate == CandidateGates.Traffic).Passed);
        Assert.Equal(["1"], Registry.Versions("sensor-anomaly").Select(v => v.Version));
    }

    [Fact]
    public void Without_recent_traffic_to_judge_on_nothing_is_registered_unless_an_operator_turns_the_traffic_gates_off()
    {
        KeepLabelledReadings(drift: 12, count: 800, evaluation: 0);

        var refused = Runner().Run(new TrainingRequest("sensor-anomaly"));
        var holdoutOnly = Runner().Run(new TrainingRequest("sensor-anomaly") { MinEvaluationSamples = 0 });

        Assert.Null(refused.RegisteredVersion);
        Assert.Equal("refused: only 0 labelled evaluation samples of recent traffic, at least 100 needed (Learning:Capture:EvaluationFraction keeps them)", refused.Verdict);
        Assert.Equal("2", holdoutOnly.RegisteredVersion);
        Assert.Equal(CandidateGates.Holdout, holdoutOnly.Gates![0].Gate);
    }

    [Fact]
    public void Too_few_labelled_samples_are_no_reason_to_train()
    {
        KeepLabelledReadings(drift: 12, count: 20);

        var outcome = Runner().Run(new TrainingRequest("sensor-anomaly"));

        Assert.Null(outcome.RegisteredVersion);
        Assert.Contains("not enough labelled samples", outcome.Verdict, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Dispose();
}

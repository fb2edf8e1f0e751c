using IotAi.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using IotAi.Training;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Training.Tests;

/// <summary>A training run on kept, labelled samples: a candidate that beats the active version on the holdout is registered, one that does not is refused.</summary>
public sealed class RetrainingTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-retrain-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly ModelRegistry _registry;
    private readonly FileSampleStore _samples;

    public RetrainingTests()
    {
        var trusted = new TrustedKeys();
        trusted.Add(_signer.ExportPublicKeyPem());
        _registry = new ModelRegistry(Path.Combine(_data.FullName, "models"), trusted);
        var folder = Path.Combine(AppContext.BaseDirectory, "DefaultModels", "sensor-anomaly", "1");
        _registry.Import(ModelPackage.Create(ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName)), File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)), _signer));
        _samples = new FileSampleStore(Path.Combine(_data.FullName, "samples"));
    }

    private TrainingRunner Runner() => new(_samples, new DatasetStore(Path.Combine(_data.FullName, "datasets")), _registry, _signer, _clock);

    private void KeepLabelledReadings(double drift, int count) =>
        LabelledReadings.Keep(_samples, "sensor-anomaly", "plant-3", count, drift, seed: 17, _clock.GetUtcNow());

    [Fact]
    public void After_drift_the_candidate_beats_the_active_version_and_is_registered_with_its_lineage_and_metrics()
    {
        KeepLabelledReadings(drift: 12, count: 800);

        var outcome = Runner().Run(new TrainingRequest("sensor-anomaly"));

        Assert.Equal("2", outcome.RegisteredVersion);
        Assert.True(outcome.Candidate!.Accuracy > outcome.Current!.Accuracy + 0.1, outcome.Verdict);
        var registered = _registry.Find("sensor-anomaly", "2")!;
        Assert.Equal(("1", outcome.RunId, outcome.SnapshotId), (registered.Manifest.Lineage!.ParentVersion, registered.Manifest.Lineage.TrainingRun, registered.Manifest.Lineage.DatasetSnapshot));
        Assert.Equal(outcome.Candidate.Accuracy, registered.Manifest.Metrics["accuracy"], 6);
        Assert.True(registered.Manifest.Metrics.ContainsKey("macroF1") && registered.Manifest.Metrics.ContainsKey("f1.anomaly"));
        Assert.Equal(ModelState.Available, registered.State);
        var snapshot = new DatasetStore(Path.Combine(_data.FullName, "datasets")).Find("sensor-anomaly", outcome.SnapshotId)!;
        Assert.Equal(800, snapshot.Samples.Count);
        Assert.Equal(outcome.HoldoutSamples, snapshot.Holdout.Count());
    }

    [Fact]
    public void A_candidate_that_does_not_beat_the_active_version_is_refused_and_nothing_is_registered()
    {
        KeepLabelledReadings(drift: 0, count: 800);

        var outcome = Runner().Run(new TrainingRequest("sensor-anomaly", MinImprovement: 0.01));

        Assert.Null(outcome.RegisteredVersion);
        Assert.StartsWith("refused", outcome.Verdict, StringComparison.Ordinal);
        Assert.Equal(["1"], _registry.Versions("sensor-anomaly").Select(v => v.Version));
    }

    [Fact]
    public void Too_few_labelled_samples_are_no_reason_to_train()
    {
        KeepLabelledReadings(drift: 12, count: 20);

        var outcome = Runner().Run(new TrainingRequest("sensor-anomaly"));

        Assert.Null(outcome.RegisteredVersion);
        Assert.Contains("not enough labelled samples", outcome.Verdict, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Delete(recursive: true);
}

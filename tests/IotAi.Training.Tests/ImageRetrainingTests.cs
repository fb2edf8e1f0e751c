using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>
/// A training run for the image model: kept frames from a camera over a new belt, labelled by an operator, retrain
/// the shipped shape classifier through LightGBM's multiclass path into a candidate that reads the new belt.
/// </summary>
[Collection(ImageTrainingGroup.Name)]
public sealed class ImageRetrainingTests(ITestOutputHelper output) : IDisposable
{
    private const string Model = "shape-classifier";
    private readonly TrainingData _data = new(Model);

    [Fact]
    public void Frames_of_a_new_belt_retrain_the_image_model_into_a_candidate_that_scores_well_on_the_holdout()
    {
        var registry = _data.Registry;
        LabelledImages.KeepFromLightBelt(_data.Samples, Model, "line-7-camera", count: 1_000, seed: 41, _data.Clock.GetUtcNow());
        LabelledImages.KeepFromLightBelt(_data.Samples, Model, "line-8-camera", count: 200, seed: 42, _data.Clock.GetUtcNow(), CaptureReasons.Evaluation);

        var outcome = _data.Runner().Run(new TrainingRequest(Model));
        output.WriteLine(outcome.Verdict);

        Assert.Equal("2", outcome.RegisteredVersion);
        Assert.True(outcome.Candidate!.Accuracy >= 0.85, outcome.Verdict);
        Assert.True(outcome.Candidate.Accuracy > outcome.Current!.Accuracy + 0.2, outcome.Verdict);
        Assert.All(outcome.Candidate.PerLabel.Values, figures => Assert.InRange(figures.Recall, 0.6, 1.0));
        var registered = registry.Find(Model, "2")!;
        Assert.Equal((PayloadKind.Image, ScoreForm.Probabilities, "Score.output"), (registered.Manifest.Kind, registered.Manifest.ScoreForm, registered.Manifest.ScoresOutput));
        Assert.Equal(registry.Find(Model, "1")!.Manifest.Image, registered.Manifest.Image);
        Assert.Equal(outcome.Candidate.Accuracy, registered.Manifest.Metrics["accuracy"], 6);
    }

    public void Dispose() => _data.Dispose();
}

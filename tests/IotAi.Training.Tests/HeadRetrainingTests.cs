using IotAi.Learning;
using IotAi.Models;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>
/// The learning loop's training run for a model that is a head on ResNet18: kept frames of a new belt train a new head
/// on the same backbone, through the same gates, and each kept frame goes through the backbone once.
/// </summary>
[Collection(ImageTrainingGroup.Name)]
public sealed class HeadRetrainingTests(ITestOutputHelper output) : IDisposable
{
    private const string Model = "belt-on-resnet";
    private static readonly ImagePreprocessing Recipe = ImagePreprocessing.ImageNet() with { Resize = ResizeMode.Stretch, ResizeTo = null };
    private readonly DirectoryInfo _photos = Directory.CreateTempSubdirectory("iotai-first-belt-");
    private TrainingData? _data;

    [Fact]
    public void Frames_of_a_new_belt_train_a_new_head_on_the_same_backbone_through_the_same_gates_each_frame_embedded_once()
    {
        var data = _data = TrainingData.OnResNet18(Model, LabelledImages.WriteFolder(_photos.FullName, perClass: 30, seed: 43), Recipe);
        var first = data.Registry.Find(Model, "1")!.Manifest;
        LabelledImages.KeepFromLightBelt(data.Samples, Model, "line-7-camera", count: 240, seed: 44, data.Clock.GetUtcNow());
        LabelledImages.KeepFromLightBelt(data.Samples, Model, "line-8-camera", count: 110, seed: 45, data.Clock.GetUtcNow(), CaptureReasons.Evaluation);
        var before = data.Embeddings.Counts;

        // The gates as the loop runs them: a head trained on the first belt reads the new one nearly as well (the
        // backbone does not care much for the lighting), so the candidate cannot show a significant win and is refused.
        var gated = data.Runner().Run(new TrainingRequest(Model));
        var embedded = data.Embeddings.Counts.Computed - before.Computed;
        // With the traffic gates off and no improvement asked for, the same run registers the new head.
        var relaxed = data.Runner().Run(new TrainingRequest(Model, MinImprovement: 0) { MinEvaluationSamples = 0, RunId = "relaxed" });
        output.WriteLine(gated.Verdict);
        output.WriteLine(relaxed.Verdict);

        Assert.Null(gated.RegisteredVersion);
        Assert.StartsWith("refused: on 110 samples of recent traffic", gated.Verdict, StringComparison.Ordinal);
        Assert.True(gated.Traffic!.Current.Accuracy >= 0.9 && gated.Traffic.Candidate.Accuracy >= 0.9, gated.Verdict);
        Assert.Equal("2", relaxed.RegisteredVersion);
        var second = data.Registry.Find(Model, "2")!.Manifest;
        Assert.Equal(first.Backbone!.Sha256, second.Backbone!.Sha256);
        Assert.NotEqual(first.Sha256, second.Sha256);
        Assert.Equal(350, embedded);
        Assert.Equal(embedded, data.Embeddings.Counts.Computed - before.Computed);
    }

    public void Dispose()
    {
        _data?.Dispose();
        _photos.Delete(recursive: true);
    }
}

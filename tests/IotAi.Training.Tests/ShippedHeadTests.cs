using System.Globalization;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Synthetic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>
/// The image model a new silo serves: a head on ResNet18 trained on the simulated camera's frames. It is what training
/// makes from its seed, and after the demo's lighting drift the learning loop trains a head that reads the new belt.
/// </summary>
[Collection(ImageTrainingGroup.Name)]
public sealed class ShippedHeadTests(ITestOutputHelper output) : IDisposable
{
    private const string Model = DefaultModels.ImageModelName;
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "DefaultModels", ShippedModels.ResNet18Folder, Model, "1");

    private readonly TrainingData _data = new($"{ShippedModels.ResNet18Folder}/{Model}");
    private readonly CameraTraffic _traffic = new();

    [Fact]
    public void The_shipped_head_is_what_training_makes_from_its_seed_on_the_ResNet18_beside_the_program()
    {
        var backbone = PretrainedBackbone.ResNet18();
        var trained = DefaultModels.TrainImageHead(backbone);
        var shipped = ModelManifest.Load(Path.Combine(Folder, ModelManifest.FileName));

        // The same seed gives the same frames, the same embeddings and the same head. Bytes are not compared: the
        // backbone's sums may round differently in the last bit on a processor with wider vectors, which moves the
        // head's weights by as little; its answers on the held-out frames must agree to three decimals.
        Assert.Equal(backbone.Sha256, shipped.Backbone!.Sha256);
        Assert.Equal(backbone.Onnx.LongLength, shipped.Backbone.Bytes);
        Assert.Equal(shipped.Metrics["accuracy"], trained.Manifest.Metrics["accuracy"], 2);
        Assert.InRange(trained.Manifest.Metrics["accuracy"], 0.95, 1.0);
        using var made = new OnnxModel(trained.Manifest, trained.Onnx, backbone: trained.Backbone);
        using var ours = new OnnxModel(_data.Registry.Open(Model, "1"));
        var camera = new SyntheticCamera(seed: 31337);
        var frames = Enumerable.Range(0, 40).Select(_ => camera.Next()).ToList();
        var (a, b) = (Scores(made, frames), Scores(ours, frames));
        Assert.Equal(a.Length, b.Length);
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.Equal(a[i], b[i], 3));
    }

    [Fact]
    public void After_the_lighting_drift_the_loop_trains_a_head_that_reads_the_new_belt_and_still_reads_the_old()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        // The demo's capture: every frame kept, three tenths of them apart for evaluation.
        var settings = new CaptureSettings { Default = { RandomFraction = 1, EvaluationFraction = 0.3, PerDevicePerHour = 100_000 } };
        var capture = new SampleCapture(Options.Create(settings), _data.Samples, new ConfidenceDrift(), new LiveAccuracy(),
            new LearningMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), _data.Clock);
        var v1 = _data.Registry.Open(Model, "1");

        var live = _traffic.Send(capture, v1, frames: 400, devices: 20, seed: 91, drift: 1);
        var outcome = _data.Runner().Run(new TrainingRequest(Model) { MinEvaluationSamples = 50 });
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"v1 answered {live:P1} of the drifted traffic; on {outcome.HoldoutSamples} held out v2 {outcome.Candidate?.Accuracy:P1}, v1 {outcome.Current?.Accuracy:P1}; {outcome.Verdict}"));

        Assert.Equal("2", outcome.RegisteredVersion);
        Assert.True(outcome.ReplaySamples > 0 && outcome.Regression is not null, "the shipped head's own frames were neither replayed nor held to");
        var v2 = _data.Registry.Open(Model, "2");
        var (oldOnNew, newOnNew, newOnOld) = (_traffic.Accuracy(v1, 200, seed: 92, drift: 1), _traffic.Accuracy(v2, 200, seed: 92, drift: 1), _traffic.Accuracy(v2, 200, seed: 93));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fresh drifted frames: v1 {oldOnNew:P1}, v2 {newOnNew:P1}; fresh frames of the old belt: v2 {newOnOld:P1}"));
        Assert.True(oldOnNew < 0.92, $"the drift no longer fools the shipped head ({oldOnNew:P1}), so this test shows nothing");
        // Held-out kept frames are few (a fifth of those not kept for evaluation); 200 fresh frames of each belt say more.
        Assert.InRange(newOnNew, 0.95, 1.0);
        Assert.InRange(newOnOld, 0.95, 1.0);
    }

    private static float[] Scores(OnnxModel model, List<CameraFrame> frames)
    {
        var recipe = model.Manifest.Image!;
        var inputs = new float[frames.Count * recipe.InputLength];
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.Null(ImagePreprocessor.TryPreprocess(frames[i].Encoded, recipe, inputs.AsSpan(i * recipe.InputLength, recipe.InputLength)));
        }

        var scores = new float[frames.Count * model.Manifest.Labels.Count];
        model.Run(inputs, frames.Count, scores);
        return scores;
    }

    public void Dispose()
    {
        _traffic.Dispose();
        _data.Dispose();
    }
}

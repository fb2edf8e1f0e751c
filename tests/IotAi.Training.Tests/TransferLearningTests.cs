using System.Diagnostics;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Synthetic;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>
/// Transfer learning on ImageNet's ResNet18 (restored from its NuGet package at build, never committed): a folder of
/// photos becomes one signed model, the shared backbone plus a linear head trained on its embeddings.
/// </summary>
public sealed class TransferLearningTests(ITestOutputHelper output) : IDisposable
{
    // The camera's 64-pixel frames stretched to ResNet's 224, normalised as ImageNet was.
    private static readonly ImagePreprocessing Recipe = ImagePreprocessing.ImageNet() with { Resize = ResizeMode.Stretch, ResizeTo = null };
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-transfer-");
    private readonly ModelSigner _signer = ModelSigner.Generate();

    [Fact]
    public async Task A_head_trained_on_resnet18_embeddings_serves_as_one_signed_model_and_a_second_run_never_runs_the_backbone_again()
    {
        var folder = LabelledImages.WriteFolder(Path.Combine(_root.FullName, "shapes"), perClass: 40, seed: 21);
        var backbone = PretrainedBackbone.ResNet18();
        var cache = new EmbeddingCache(Path.Combine(_root.FullName, "cache"));

        var clock = Stopwatch.StartNew();
        var data = FolderDataset.Read(folder, Recipe, backbone: backbone, cache: cache);
        var embedded = clock.Elapsed;
        var trained = DatasetTrainer.Train(data, "shapes-on-resnet");
        var again = FolderDataset.Read(folder, Recipe, backbone: backbone, cache: cache);
        output.WriteLine($"embedding 160 images {embedded.TotalSeconds:F1} s, head {clock.Elapsed.TotalSeconds - embedded.TotalSeconds:F1} s; holdout {trained.Holdout.Accuracy:P1} of {trained.Holdout.Samples}");

        Assert.Equal((160, 160), cache.Counts is var counts ? (counts.Computed, counts.Hits) : default);
        Assert.Equal(data.Digest(), again.Digest());
        var manifest = trained.Model.Manifest;
        Assert.Equal((backbone.Sha256, 512, "Features"), (manifest.Backbone!.Sha256, manifest.Backbone.Width, manifest.Backbone.HeadInput));
        Assert.InRange(trained.Model.Onnx.Length, 1, 64 * 1024);
        Assert.InRange(trained.Holdout.Accuracy, 0.9, 1.0);

        // Signed with both parts, read back, and served from camera frames it has never seen, backbone then head in one call.
        using var file = new MemoryStream();
        trained.Model.Sign(_signer).WriteTo(file);
        file.Position = 0;
        var package = ModelPackage.Read(file);
        var trusted = new TrustedKeys();
        trusted.Add(_signer.ExportPublicKeyPem());
        package.Verify(trusted);
        await using var served = new LoadedModel(new OnnxModel(package), new BatchingOptions());
        var camera = new SyntheticCamera(seed: 77);
        var features = new float[manifest.InputLength];
        var right = 0;
        const int Frames = 40;
        for (var i = 0; i < Frames; i++)
        {
            var frame = camera.Next();
            Assert.Null(served.ReadInput(frame.Encoded, features).Error);
            right += manifest.Labels[(await served.InferAsync(features)).LabelIndex] == frame.Label ? 1 : 0;
        }

        output.WriteLine($"served: {right} of {Frames} fresh frames right");
        Assert.InRange(right / (double)Frames, 0.85, 1.0);
    }

    public void Dispose() => _root.Delete(recursive: true);
}

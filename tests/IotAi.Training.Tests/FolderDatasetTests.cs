using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using SkiaSharp;
using Xunit.Abstractions;

namespace IotAi.Training.Tests;

/// <summary>Bring your own images: a folder with a subfolder per class trains a new image model that the gateway serves.</summary>
public sealed class FolderDatasetTests(ITestOutputHelper output) : IDisposable
{
    private static readonly ImagePreprocessing Grey32 = new(32, 32, grayscale: true);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-folder-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root.FullName, name)).FullName;

    [Fact]
    public async Task A_folder_of_labelled_images_trains_a_signed_model_that_the_model_host_serves()
    {
        var folder = LabelledImages.WriteFolder(Folder("shapes"), perClass: 250, seed: 5);

        var data = FolderDataset.Read(folder, Grey32);
        var trained = DatasetTrainer.Train(data, "conveyor-shapes");
        output.WriteLine($"holdout: {trained.Holdout.Samples} images, accuracy {trained.Holdout.Accuracy:P1}, macro-F1 {trained.Holdout.MacroF1:P1}");

        Assert.Equal(["circle", "empty", "square", "triangle"], data.Labels);
        Assert.Equal(1_000, data.Examples.Count);
        Assert.InRange(trained.Holdout.Accuracy, 0.88, 1.0);
        Assert.InRange(trained.Holdout.Samples, 150, 250);
        Assert.Equal(trained.Holdout.Accuracy, trained.Model.Manifest.Metrics["accuracy"], 6);
        Assert.Equal((PayloadKind.Image, Grey32, ScoreForm.Probabilities), (trained.Model.Manifest.Kind, trained.Model.Manifest.Image, trained.Model.Manifest.ScoreForm));

        // Signed, written and read back as a package, then served as the gateway serves it, on frames it has never seen.
        using var file = new MemoryStream();
        ModelPackage.Create(trained.Model.Manifest, trained.Model.Onnx, _signer).WriteTo(file);
        file.Position = 0;
        var package = ModelPackage.Read(file);
        _trusted.Add(_signer.ExportPublicKeyPem());
        package.Verify(_trusted);
        await using var served = new LoadedModel(new OnnxModel(package.Manifest, package.Onnx), new BatchingOptions());
        var camera = new SyntheticCamera(seed: 99);
        var right = 0;
        const int frames = 200;
        var features = new float[package.Manifest.InputLength];
        for (var i = 0; i < frames; i++)
        {
            var frame = camera.Next();
            Assert.Null(served.ReadInput(frame.Encoded, features).Error);
            var answer = await served.InferAsync(features);
            right += package.Manifest.Labels[answer.LabelIndex] == frame.Label ? 1 : 0;
        }

        output.WriteLine($"served: {right} of {frames} fresh frames right");
        Assert.InRange(right / (double)frames, 0.85, 1.0);
    }

    [Fact]
    public void Unreadable_images_are_reported_and_left_out_and_the_size_and_channels_reach_the_manifest()
    {
        var folder = LabelledImages.WriteFolder(Folder("mixed"), perClass: 15, seed: 6, SKEncodedImageFormat.Webp);
        File.WriteAllBytes(Path.Combine(folder, "circle", "torn.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        File.WriteAllText(Path.Combine(folder, "square", "notes.txt"), "not an image, and not named as one");
        var rgb = new ImagePreprocessing(24, 16, grayscale: false);

        var data = FolderDataset.Read(folder, rgb);
        var trained = DatasetTrainer.Train(data, "mixed-shapes", version: "3");

        var skipped = Assert.Single(data.Skipped);
        Assert.Equal("circle/torn.png", skipped.Where);
        Assert.False(string.IsNullOrEmpty(skipped.Reason));
        Assert.Equal(60, data.Examples.Count);
        Assert.Equal(rgb, trained.Model.Manifest.Image);
        Assert.Equal([-1L, 24 * 16 * 3], trained.Model.Manifest.Inputs.Single().Shape);
        Assert.Equal("3", trained.Model.Manifest.Version);
        Assert.StartsWith("folder:mixed#", trained.Model.Manifest.Lineage!.DatasetSnapshot, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_two_classes_of_readable_images_is_refused_with_the_reason()
    {
        var empty = Folder("empty");
        var single = LabelledImages.WriteFolder(Folder("single"), perClass: 3, seed: 7);
        foreach (var other in new[] { "empty", "square", "triangle" })
        {
            Directory.Delete(Path.Combine(single, other), recursive: true);
        }

        var broken = LabelledImages.WriteFolder(Folder("broken"), perClass: 3, seed: 8);
        foreach (var image in Directory.GetFiles(Path.Combine(broken, "triangle")))
        {
            File.WriteAllBytes(image, [1, 2, 3]);
        }

        Assert.Contains("no class subfolders", Assert.Throws<InvalidDataException>(() => FolderDataset.Read(empty, Grey32)).Message, StringComparison.Ordinal);
        Assert.Contains("one class, 'circle'", Assert.Throws<InvalidDataException>(() => FolderDataset.Read(single, Grey32)).Message, StringComparison.Ordinal);
        var error = Assert.Throws<InvalidDataException>(() => FolderDataset.Read(broken, Grey32)).Message;
        Assert.Contains("no readable image in 'triangle'", error, StringComparison.Ordinal);
        Assert.Contains("triangle/0.png", error, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => FolderDataset.Read(Path.Combine(_root.FullName, "missing"), Grey32));
    }

    public void Dispose()
    {
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}

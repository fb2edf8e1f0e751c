using IotAi.Models;
using IotAi.Inference;

namespace IotAi.Training.Tests;

/// <summary>
/// The models the gateway ships are exactly what the training code makes from its seed: anyone can rebuild
/// them with <c>iotai models build</c> and get the same bytes.
/// </summary>
public sealed class DefaultModelsTests
{
    private static string Shipped(string name, string file) => Path.Combine(AppContext.BaseDirectory, "DefaultModels", name, "1", file);

    [Fact]
    public void The_shipped_sensor_model_is_reproduced_byte_for_byte()
    {
        var trained = DefaultModels.TrainSensorModel();

        AssertShipped(trained);
        Assert.InRange(trained.Manifest.Metrics["accuracy"], 0.95, 1.0);
    }

    [Fact]
    public void The_shipped_image_model_is_reproduced_byte_for_byte()
    {
        var trained = DefaultModels.TrainImageModel();

        AssertShipped(trained);
        Assert.InRange(trained.Manifest.Metrics["accuracy"], 0.93, 1.0);
    }

    [Fact]
    public void A_saved_model_loads_into_the_model_host_format()
    {
        var trained = DefaultModels.TrainSensorModel(seed: 7, samples: 2_000);
        var directory = Directory.CreateTempSubdirectory("iotai-model-");
        try
        {
            var folder = trained.SaveTo(directory.FullName);

            var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
            using var model = new OnnxModel(manifest, File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)));
            var scores = new float[2];
            model.Run(new float[] { 45, 0.3f, 10 }, 1, scores);
            Assert.True(scores[0] > scores[1], "a textbook normal reading was called an anomaly");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void AssertShipped(TrainedModel trained)
    {
        var name = trained.Manifest.Name;
        Assert.True(File.ReadAllBytes(Shipped(name, ModelManifest.OnnxFileName)).AsSpan().SequenceEqual(trained.Onnx),
            $"{name}: the shipped ONNX differs from what training makes now; run 'iotai models build' and commit the result");
        Assert.Equal(trained.Manifest.Sha256, ModelManifest.Load(Shipped(name, ModelManifest.FileName)).Sha256);
    }
}

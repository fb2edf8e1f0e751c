using IotAi.Models;
using IotAi.Synthetic;

namespace IotAi.Inference.Tests;

/// <summary>The shipped models, fed through the gateway's own preprocessing, still know the simulator's world.</summary>
public sealed class ShippedModelAccuracyTests
{
    [Fact]
    public void Sensor_model_finds_anomalies_on_unseen_machines()
    {
        using var model = ShippedModels.Load("sensor-anomaly");
        var signal = new SensorSignal(seed: 777, anomalyRate: 0.2);
        var samples = Enumerable.Range(0, 1000).Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddMinutes(i))).ToArray();
        var inputs = samples.SelectMany(s => s.ToFeatures()).ToArray();
        var scores = new float[samples.Length * 2];

        model.Run(inputs, samples.Length, scores);

        var correct = samples.Where((s, i) => (scores[(i * 2) + 1] > 0.5f) == s.IsAnomaly).Count();
        Assert.InRange(correct / (double)samples.Length, 0.95, 1.0);
    }

    [Fact]
    public void Image_model_names_shapes_on_unseen_frames()
    {
        using var model = ShippedModels.Load("shape-classifier");
        var camera = new SyntheticCamera(seed: 31337);
        var recipe = model.Manifest.Image!;
        var frames = Enumerable.Range(0, 200).Select(_ => camera.Next()).ToArray();
        var inputs = new float[frames.Length * recipe.InputLength];
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.Null(ImagePreprocessor.TryPreprocess(frames[i].Encoded, recipe, inputs.AsSpan(i * recipe.InputLength, recipe.InputLength)));
        }

        var scores = new float[frames.Length * 4];
        model.Run(inputs, frames.Length, scores);

        var correct = frames.Where((f, i) => Prediction.FromScores(scores[(i * 4)..((i * 4) + 4)]).LabelIndex == (int)f.Shape).Count();
        Assert.InRange(correct / (double)frames.Length, 0.93, 1.0);
    }

    [Fact]
    public void A_tampered_model_file_is_refused()
    {
        var folder = Path.Combine(ShippedModels.Directory, "sensor-anomaly", "1");
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        var onnx = File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName));
        onnx[^1] ^= 0xFF;

        var error = Assert.Throws<InvalidDataException>(() => new OnnxModel(manifest, onnx));
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
    }
}

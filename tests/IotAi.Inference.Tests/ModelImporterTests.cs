using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Inference.Tests;

public sealed class ModelImporterTests
{
    private static byte[] SensorOnnx => File.ReadAllBytes(Path.Combine(ShippedModels.Directory, "sensor-anomaly", "1", ModelManifest.OnnxFileName));

    private static OnnxImport Request(params string[] labels) => new()
    {
        Name = "imported",
        Version = "1",
        Kind = PayloadKind.Telemetry,
        Labels = labels,
        Features = ["temperature", "vibration", "current"],
    };

    [Fact]
    public void Finds_the_probability_output_among_several()
    {
        var manifest = ModelImporter.Describe(SensorOnnx, Request("normal", "anomaly"));

        Assert.Equal(("Features", "Probability.output", ScoreForm.BinaryProbability), (manifest.Input, manifest.ScoresOutput, manifest.ScoreForm));
        Assert.Equal(4, manifest.Outputs.Count);
    }

    [Fact]
    public void An_output_that_only_fits_by_shape_is_not_taken_for_probabilities()
    {
        // Three labels: only the pass-through copy of the three inputs has the width, and it is no probability.
        var error = Assert.Throws<InvalidDataException>(() => ModelImporter.Describe(SensorOnnx, Request("a", "b", "c")));

        Assert.Contains("add up to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_feature_count_and_unknown_outputs_are_named()
    {
        var tooFew = Assert.Throws<InvalidDataException>(() => ModelImporter.Describe(SensorOnnx, Request("normal", "anomaly") with { Features = ["temperature"] }));
        var unknown = Assert.Throws<InvalidDataException>(() => ModelImporter.Describe(SensorOnnx, Request("normal", "anomaly") with { ScoresOutput = "logits" }));

        Assert.Contains("1 values per sample", tooFew.Message, StringComparison.Ordinal);
        Assert.Contains("no output 'logits'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused_plainly()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelImporter.Describe("not a model"u8.ToArray(), Request("normal", "anomaly")));

        Assert.Contains("not an ONNX model", error.Message, StringComparison.Ordinal);
    }
}

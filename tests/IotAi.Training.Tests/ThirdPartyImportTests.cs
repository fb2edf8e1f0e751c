using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using IotAi.Tests.Shared;

namespace IotAi.Training.Tests;

/// <summary>
/// A model made elsewhere: its own input name, its own feature order, a dynamic batch dimension and
/// several outputs. Imported with only names and labels from the user, it must answer as its maker's runtime does.
/// </summary>
public sealed class ThirdPartyImportTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-import-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();

    public ThirdPartyImportTests() => _trusted.Add(_signer.ExportPublicKeyPem());

    [Fact]
    public void A_foreign_model_is_described_from_its_graph_and_answers_as_its_maker_does()
    {
        var (onnx, makersAnswer) = ForeignSensorModel.Train();
        var registry = new ModelRegistry(_root.FullName, _trusted);
        var imported = ModelImporter.Import(onnx, new OnnxImport
        {
            Name = "vendor-anomaly",
            Version = "3",
            Kind = PayloadKind.Telemetry,
            Labels = ["ok", "fault"],
            Features = ForeignSensorModel.FeatureOrder,
        }, _signer, registry);

        Assert.Equal("sensor_values", imported.Manifest.Input);
        Assert.Equal("Probability.output", imported.Manifest.ScoresOutput);
        Assert.Equal(ScoreForm.BinaryProbability, imported.Manifest.ScoreForm);
        Assert.Equal([-1L, 3L], imported.Manifest.Inputs.Single().Shape);
        Assert.True(imported.Manifest.Outputs.Count > 1);

        var signal = new SensorSignal(seed: 8, anomalyRate: 0.3);
        var samples = Enumerable.Range(0, 50).Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i)))
            .Select(s => new[] { s.Current, s.Temperature, s.Vibration }).ToArray();
        var expected = makersAnswer(samples);
        var package = registry.Open("vendor-anomaly", "3");
        using var served = new OnnxModel(package.Manifest, package.Onnx);
        var scores = new float[100];
        served.Run(samples.SelectMany(v => v).ToArray(), 50, scores);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(expected[i], scores[(i * 2) + 1], 5);
        }
    }

    public void Dispose()
    {
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}

using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.ML;
using Microsoft.ML.Data;

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

    private sealed class ForeignRow
    {
        [VectorType(3)]
        [ColumnName("sensor_values")]
        public float[] Values { get; set; } = [];

        public bool Label { get; set; }
    }

    private sealed class ForeignInput
    {
        [VectorType(3)]
        [ColumnName("sensor_values")]
        public float[] Values { get; set; } = [];
    }

    private sealed class ForeignPrediction
    {
        public float Probability { get; set; }
    }

    [Fact]
    public void A_foreign_model_is_described_from_its_graph_and_answers_as_its_maker_does()
    {
        var ml = new MLContext(seed: 3);
        var signal = new SensorSignal(seed: 3, anomalyRate: 0.3);
        // Current first: the foreign model orders its inputs its own way.
        var rows = Enumerable.Range(0, 3000).Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i)))
            .Select(s => new ForeignRow { Values = [s.Current, s.Temperature, s.Vibration], Label = s.IsAnomaly }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.BinaryClassification.Trainers.FastTree(featureColumnName: "sensor_values", numberOfTrees: 20).Fit(data);
        using var onnxStream = new MemoryStream();
        ml.Model.ConvertToOnnx(model, ml.Data.LoadFromEnumerable(rows.Take(1).Select(r => new ForeignInput { Values = r.Values })), onnxStream);
        var onnx = onnxStream.ToArray();

        var registry = new ModelRegistry(_root.FullName, _trusted);
        var imported = ModelImporter.Import(onnx, new OnnxImport
        {
            Name = "vendor-anomaly",
            Version = "3",
            Kind = PayloadKind.Telemetry,
            Labels = ["ok", "fault"],
            Features = ["current", "temperature", "vibration"],
        }, _signer, registry);

        Assert.Equal("sensor_values", imported.Manifest.Input);
        Assert.Equal("Probability.output", imported.Manifest.ScoresOutput);
        Assert.Equal(ScoreForm.BinaryProbability, imported.Manifest.ScoreForm);
        Assert.Equal([-1L, 3L], imported.Manifest.Inputs.Single().Shape);
        Assert.True(imported.Manifest.Outputs.Count > 1);

        var package = registry.Open("vendor-anomaly", "3");
        using var served = new OnnxModel(package.Manifest, package.Onnx);
        var expected = ml.Data.CreateEnumerable<ForeignPrediction>(model.Transform(ml.Data.LoadFromEnumerable(rows.Take(50))), reuseRowObject: false)
            .Select(p => p.Probability).ToArray();
        var scores = new float[100];
        served.Run(rows.Take(50).SelectMany(r => r.Values).ToArray(), 50, scores);

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

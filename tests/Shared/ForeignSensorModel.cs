using IotAi.Synthetic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace IotAi.Tests.Shared;

/// <summary>
/// A sensor model as another team would make it: its own input name (<c>sensor_values</c>), its own feature
/// order (current, temperature, vibration), a dynamic batch dimension and several outputs. Shared by the
/// tests that import it, as source, since it is test data and no product code.
/// </summary>
internal static class ForeignSensorModel
{
    public static IReadOnlyList<string> FeatureOrder { get; } = ["current", "temperature", "vibration"];

    public static (byte[] Onnx, Func<float[][], float[]> Probabilities) Train()
    {
        var ml = new MLContext(seed: 3);
        var signal = new SensorSignal(seed: 3, anomalyRate: 0.3);
        var rows = Enumerable.Range(0, 3000).Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i)))
            .Select(s => new Row { Values = [s.Current, s.Temperature, s.Vibration], Label = s.IsAnomaly }).ToList();
        var model = ml.BinaryClassification.Trainers.FastTree(featureColumnName: "sensor_values", numberOfTrees: 20).Fit(ml.Data.LoadFromEnumerable(rows));
        using var onnx = new MemoryStream();
        ml.Model.ConvertToOnnx(model, ml.Data.LoadFromEnumerable([new Input { Values = rows[0].Values }]), onnx);
        return (onnx.ToArray(), inputs => [.. ml.Data.CreateEnumerable<Output>(
            model.Transform(ml.Data.LoadFromEnumerable(inputs.Select(v => new Row { Values = v }))), reuseRowObject: false).Select(p => p.Probability)]);
    }

    private sealed class Row
    {
        [VectorType(3)]
        [ColumnName("sensor_values")]
        public float[] Values { get; set; } = [];

        public bool Label { get; set; }
    }

    private sealed class Input
    {
        [VectorType(3)]
        [ColumnName("sensor_values")]
        public float[] Values { get; set; } = [];
    }

    private sealed class Output
    {
        public float Probability { get; set; }
    }
}

using IotAi.Synthetic;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace IotAi.Tests.Shared;

/// <summary>
/// A sensor model with the shipped one's signature that loads and runs, but has learned nothing: trained on
/// coin-flip labels with one stump, it answers every reading with a probability near one half. It stands for a
/// version whose confidence collapses, the bad model that only the quality gates can catch.
/// </summary>
internal static class CollapsedSensorModel
{
    public static byte[] Train()
    {
        var ml = new MLContext(seed: 7);
        var signal = new SensorSignal(seed: 7);
        var coin = new Random(7);
        var rows = Enumerable.Range(0, 2000)
            .Select(i => new Row { Features = signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i)).ToFeatures(), Label = coin.Next(2) == 0 })
            .ToList();
        var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            NumberOfTrees = 1,
            NumberOfLeaves = 2,
            MinimumExampleCountPerLeaf = 900,
            NumberOfThreads = 1,
        });
        var model = trainer.Fit(ml.Data.LoadFromEnumerable(rows));
        using var onnx = new MemoryStream();
        ml.Model.ConvertToOnnx(model, ml.Data.LoadFromEnumerable([new Input { Features = rows[0].Features }]), onnx);
        return onnx.ToArray();
    }

    private sealed class Row
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    private sealed class Input
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [];
    }
}

using System.Security.Cryptography;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace IotAi.Training;

/// <summary>
/// Trains a new version of a model from labelled samples, with the trainers the default models use: FastTree
/// for a two-label model, LightGBM multiclass otherwise, on the same features the model reads (telemetry values
/// in its feature order, or preprocessed pixels). The graph is exported with <c>Features</c> as its one input.
/// A model on a pretrained backbone is trained by transfer learning instead: a linear head (ML.NET's multiclass
/// maximum entropy) on the backbone's embeddings, which are then the rows.
/// </summary>
public static class Retrainer
{
    /// <summary>
    /// The manifest of a model that has no version yet, for <see cref="Train"/> to train the first one: telemetry
    /// read by <paramref name="features"/>, or images preprocessed by <paramref name="image"/>.
    /// </summary>
    public static ModelManifest NewModel(string name, string version, IReadOnlyList<string> labels, IReadOnlyList<string> features, ImagePreprocessing? image, PretrainedBackbone? backbone = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (scores, form) = ScoresOf(labels.Count, backbone is not null);
        var manifest = new ModelManifest
        {
            Name = name,
            Version = version,
            Kind = image is null ? PayloadKind.Telemetry : PayloadKind.Image,
            Input = backbone?.Input ?? "Features",
            Features = image is null ? features : [],
            Image = image,
            Labels = labels,
            ScoresOutput = scores,
            ScoreForm = form,
            Backbone = backbone?.Part("Features"),
            Inputs = backbone is null ? [] : [new TensorSpec(backbone.Input, "float32", [-1, .. backbone.InputShape])],
        };
        manifest.Validate($"model {name}");
        return manifest;
    }

    public static TrainedModel Train(ModelManifest current, IReadOnlyList<LabelledRow> rows, string version, ModelLineage lineage, int seed = DefaultModels.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(rows);
        var labels = current.Labels;
        var missing = labels.Where((_, i) => rows.All(r => r.LabelIndex != i)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The training data has no example of {string.Join(", ", missing)}; every label needs at least one.");
        }

        var ml = new MLContext(seed);
        var featureCount = current.Backbone?.Width ?? current.InputLength;
        if (rows.FirstOrDefault(r => r.Features.Length != featureCount) is { } misfit)
        {
            throw new InvalidOperationException(current.Backbone is null
                ? $"A row has {misfit.Features.Length} values; model {current.Name} reads {featureCount}."
                : $"Model {current.Name} is a head on {current.Backbone.Name}: its rows are the backbone's {featureCount}-value embeddings, and a row has {misfit.Features.Length} values.");
        }

        byte[] onnx;
        if (current.Backbone is not null)
        {
            onnx = TrainHead(ml, rows, featureCount);
        }
        else if (labels.Count == 2)
        {
            var data = ml.Data.LoadFromEnumerable(rows.Select(r => new BinaryRow { Features = r.Features, Label = r.LabelIndex == 1, Weight = r.Weight }), Schema<BinaryRow>(featureCount));
            var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                ExampleWeightColumnName = nameof(BinaryRow.Weight),
                NumberOfLeaves = 16,
                NumberOfTrees = 80,
                MinimumExampleCountPerLeaf = Math.Max(2, Math.Min(10, rows.Count / 50)),
                NumberOfThreads = 1,
            });
            onnx = DefaultModels.Export(ml, trainer.Fit(data), featureCount);
        }
        else
        {
            var data = ml.Data.LoadFromEnumerable(rows.Select(r => new MulticlassRow { Features = r.Features, Label = (uint)r.LabelIndex, Weight = r.Weight }), Schema<MulticlassRow>(featureCount));
            var trainer = ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                ExampleWeightColumnName = nameof(MulticlassRow.Weight),
                NumberOfLeaves = 16,
                NumberOfIterations = 120,
                MinimumExampleCountPerLeaf = Math.Max(2, Math.Min(5, rows.Count / 50)),
                NumberOfThreads = 1,
                Seed = seed,
                Silent = true,
            });
            // Keys in value order, so score i is label i; only the trainer is exported, leaving Features the one input.
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Append(trainer);
            onnx = DefaultModels.Export(ml, pipeline.Fit(data).LastTransformer, featureCount);
        }

        var (inputs, outputs) = OnnxInspector.Describe(onnx);
        var (scores, form) = ScoresOf(labels.Count, current.Backbone is not null);
        var manifest = current with
        {
            Version = version,
            Input = current.Backbone is null ? "Features" : current.Input,
            ScoresOutput = scores,
            ScoreForm = form,
            // A model on a backbone is fed as the backbone is: its inputs are the backbone's, its outputs the head's.
            Inputs = current.Backbone is null ? inputs : current.Inputs,
            Outputs = outputs,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)),
            Lineage = lineage,
            Metrics = new Dictionary<string, double>(),
        };
        return new TrainedModel(manifest, onnx);
    }

    /// <summary>
    /// Fits the head: multiclass maximum entropy (L-BFGS) on the embeddings, for two labels too, so its scores are one
    /// probability per label. A linear head on a good backbone's embeddings is the transfer-learning recipe that trains on
    /// a CPU in seconds and holds up on few examples.
    /// </summary>
    private static byte[] TrainHead(MLContext ml, IReadOnlyList<LabelledRow> rows, int width)
    {
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new MulticlassRow { Features = r.Features, Label = (uint)r.LabelIndex, Weight = r.Weight }), Schema<MulticlassRow>(width));
        var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new Microsoft.ML.Trainers.LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            ExampleWeightColumnName = nameof(MulticlassRow.Weight),
            // No L1 (ML.NET's default is 1): it zeroes weights a few hundred examples need. On the demo's drifted belt, 150
            // new frames beside 800 old ones read 97.3 % of fresh frames without it, 96.0 % with it.
            L1Regularization = 0,
            L2Regularization = 0.01f,
            NumberOfThreads = 1,
        });
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Append(trainer);
        return DefaultModels.Export(ml, pipeline.Fit(data).LastTransformer, width);
    }

    /// <summary>Where the exported graph puts its scores: FastTree's probability of the second label, or LightGBM's and a head's one per label.</summary>
    private static (string Output, ScoreForm Form) ScoresOf(int labels, bool head = false) =>
        labels == 2 && !head ? ("Probability.output", ScoreForm.BinaryProbability) : ("Score.output", ScoreForm.Probabilities);

    private static SchemaDefinition Schema<T>(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return schema;
    }

    private sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }

        public float Weight { get; set; }
    }

    private sealed class MulticlassRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }

        public float Weight { get; set; }
    }
}

/// <summary>One training or evaluation example: the model's input, the index of its true label, and how much it counts in training.</summary>
public sealed record LabelledRow(float[] Features, int LabelIndex, float Weight = 1);

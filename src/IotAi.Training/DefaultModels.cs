using IotAi.Models;
using System.Security.Cryptography;
using IotAi.Inference;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace IotAi.Training;

/// <summary>
/// Trains the two models the gateway ships with, from the same seeded generators the simulator uses, so
/// the truth behind every simulated sample is known and accuracy can be measured end to end.
/// The same seed gives the same model.
/// </summary>
public static class DefaultModels
{
    public const string SensorModelName = "sensor-anomaly";
    public const string ImageModelName = "shape-classifier";
    public const string Version = "1";
    public const int DefaultSeed = 20261128;

    /// <summary>Readings the shipped sensor model is made from, a fifth of them held out.</summary>
    public const int SensorSamples = 20_000;

    /// <summary>Frames the shipped image model is made from, a fifth of them held out.</summary>
    public const int ImageSamples = 4_000;

    /// <summary>Frames the shipped image head on ResNet18 is made from, a fifth of them held out: few, as transfer learning needs.</summary>
    public const int HeadSamples = 1_000;

    /// <summary>The small image model reads 32 × 32 grey pixels.</summary>
    public static ImagePreprocessing ImageRecipe { get; } = new(32, 32, grayscale: true);

    /// <summary>
    /// The head on ResNet18 reads frames as ImageNet's backbone was trained to: RGB at 224 × 224 with ImageNet's means
    /// and spreads. The camera's frames are square, so they are stretched to size rather than cropped, and no edge of
    /// the belt is lost.
    /// </summary>
    public static ImagePreprocessing HeadRecipe { get; } = ImagePreprocessing.ImageNet() with { Resize = ResizeMode.Stretch, ResizeTo = null };

    public static TrainedModel TrainSensorModel(int seed = DefaultSeed, int samples = SensorSamples)
    {
        var ml = new MLContext(seed);
        var (train, holdout) = Split(SensorRows(seed, samples));
        var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            NumberOfLeaves = 16,
            NumberOfTrees = 80,
            MinimumExampleCountPerLeaf = 10,
            NumberOfThreads = 1,
        });
        var model = trainer.Fit(ml.Data.LoadFromEnumerable(train));
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(holdout)));
        var onnx = Export(ml, model, train[0].Features.Length);
        var manifest = new ModelManifest
        {
            Name = SensorModelName,
            Version = Version,
            Kind = PayloadKind.Telemetry,
            Input = "Features",
            Features = SensorSample.FeatureNames,
            Labels = [SensorSample.NormalLabel, SensorSample.AnomalyLabel],
            ScoresOutput = "Probability.output",
            ScoreForm = ScoreForm.BinaryProbability,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)),
            Metrics = new Dictionary<string, double> { ["accuracy"] = metrics.Accuracy, ["auc"] = metrics.AreaUnderRocCurve },
        };
        return new TrainedModel(Describe(manifest, onnx, seed), onnx);
    }

    public static TrainedModel TrainImageModel(int seed = DefaultSeed, int samples = ImageSamples)
    {
        var ml = new MLContext(seed);
        var (train, holdout) = Split(ImageRows(seed, samples));
        var trainer = ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            NumberOfLeaves = 16,
            NumberOfIterations = 120,
            MinimumExampleCountPerLeaf = 5,
            NumberOfThreads = 1,
            Seed = seed,
            Silent = true,
        });
        // Class indices become keys in value order, so score i is class i; only the trainer is exported,
        // which leaves Features as the graph's one input.
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(trainer);
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(train));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(holdout)));
        var onnx = Export(ml, model.LastTransformer, train[0].Features.Length);
        var manifest = new ModelManifest
        {
            Name = ImageModelName,
            Version = Version,
            Kind = PayloadKind.Image,
            Input = "Features",
            Image = ImageRecipe,
            Labels = ImageShapes.Labels,
            ScoresOutput = "Score.output",
            ScoreForm = ScoreForm.Probabilities,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)),
            Metrics = new Dictionary<string, double> { ["accuracy"] = metrics.MicroAccuracy },
        };
        return new TrainedModel(Describe(manifest, onnx, seed), onnx);
    }

    /// <summary>
    /// The demo's default image model: a linear head (multiclass maximum entropy) on <paramref name="backbone"/>'s
    /// embeddings of the seeded camera's frames, so the model a user first meets is the kind they would train on their
    /// own photos. The result carries the backbone as its second part.
    /// </summary>
    public static TrainedModel TrainImageHead(PretrainedBackbone backbone, int seed = DefaultSeed, int samples = HeadSamples)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var (train, holdout) = Split(HeadRows(backbone, seed, samples, embed: null));
        var manifest = Retrainer.NewModel(ImageModelName, Version, ImageShapes.Labels, [], HeadRecipe, backbone);
        var trained = Retrainer.Train(manifest, train, Version, Lineage(seed), seed);
        var metrics = new Dictionary<string, double> { ["accuracy"] = ModelEvaluation.Of(trained.Manifest, trained.Onnx, holdout).Accuracy };
        return trained with { Manifest = trained.Manifest with { Metrics = metrics }, Backbone = backbone.Onnx };
    }

    /// <summary>
    /// The training and holdout rows a shipped model was made from, made again from the seed in its lineage, or null for
    /// a model that is not one the project ships. Retraining replays the training rows and holds candidates to the
    /// holdout, so a model trained on kept samples alone cannot forget the world the shipped one learned.
    /// </summary>
    /// <param name="manifest">The model whose data is asked for.</param>
    /// <param name="embed">For a head on a backbone: the backbone's embedding of each encoded frame (null where one does not read).</param>
    public static (List<LabelledRow> Train, List<LabelledRow> Holdout)? DataOf(ModelManifest manifest, Func<IReadOnlyList<byte[]>, float[]?[]>? embed = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        const string prefix = "default-models:synthetic:";
        if (manifest.Lineage?.TrainingRun is not { } run || !run.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(run.AsSpan(prefix.Length), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seed))
        {
            return null;
        }

        // By kind, not name: a shipped model registered under another name learned from the same data.
        return manifest switch
        {
            { Kind: PayloadKind.Telemetry } => Split(SensorRows(seed, SensorSamples).Select(static r => new LabelledRow(r.Features, r.Label ? 1 : 0))),
            { Backbone: not null } when embed is not null => Split(HeadRows(null, seed, HeadSamples, embed)),
            { Backbone: not null } => null,
            _ => Split(ImageRows(seed, ImageSamples).Select(static r => new LabelledRow(r.Features, (int)r.Label))),
        };
    }

    /// <summary>Adds what the graph says of its inputs and outputs, and where the model came from.</summary>
    private static ModelManifest Describe(ModelManifest manifest, byte[] onnx, int seed)
    {
        var (inputs, outputs) = OnnxInspector.Describe(onnx);
        return manifest with { Inputs = inputs, Outputs = outputs, Lineage = Lineage(seed) };
    }

    /// <summary>The lineage <see cref="DataOf"/> reads the seed back from.</summary>
    private static ModelLineage Lineage(int seed)
    {
        var data = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"synthetic:{seed}");
        return new ModelLineage(null, $"default-models:{data}", data);
    }


    private static IEnumerable<SensorRow> SensorRows(int seed, int samples)
    {
        // Several machines, each with its own phase and noise, one reading every ten seconds.
        const int machines = 20;
        var signals = Enumerable.Range(0, machines).Select(i => new SensorSignal(seed + i)).ToArray();
        var start = DateTimeOffset.UnixEpoch.AddYears(56);
        for (var i = 0; i < samples; i++)
        {
            var sample = signals[i % machines].Next(start.AddSeconds(10 * (i / machines)));
            yield return new SensorRow { Features = sample.ToFeatures(), Label = sample.IsAnomaly };
        }
    }

    private static IEnumerable<ImageRow> ImageRows(int seed, int samples)
    {
        var camera = new SyntheticCamera(seed);
        for (var i = 0; i < samples; i++)
        {
            // Through the encoder and the same preprocessing the gateway runs, artefacts included.
            var frame = camera.Next();
            var features = new float[ImageRecipe.InputLength];
            var error = ImagePreprocessor.TryPreprocess(frame.Encoded, ImageRecipe, features);
            if (error is not null)
            {
                throw new InvalidOperationException($"The synthetic camera made an unreadable frame: {error}");
            }

            yield return new ImageRow { Features = features, Label = (uint)frame.Shape };
        }
    }

    /// <summary>
    /// The seeded camera's frames as a head on a backbone reads them: the backbone's embedding of each JPEG, from
    /// <paramref name="embed"/> (a cache, in the learning loop) or else computed on <paramref name="backbone"/> in batches.
    /// </summary>
    private static List<LabelledRow> HeadRows(PretrainedBackbone? backbone, int seed, int samples, Func<IReadOnlyList<byte[]>, float[]?[]>? embed)
    {
        var camera = new SyntheticCamera(seed);
        var frames = Enumerable.Range(0, samples).Select(_ => camera.Next()).ToList();
        IReadOnlyList<byte[]> encoded = [.. frames.Select(static f => f.Encoded)];
        float[]?[] embeddings;
        if (embed is not null)
        {
            embeddings = embed(encoded);
        }
        else
        {
            using var embedder = backbone!.OpenEmbedder(Environment.ProcessorCount);
            embeddings = embedder.EmbedImages(encoded, HeadRecipe, new string?[encoded.Count]);
        }

        return [.. frames.Select((frame, i) => new LabelledRow(
            embeddings[i] ?? throw new InvalidOperationException("The synthetic camera made an unreadable frame."), (int)frame.Shape))];
    }

    /// <summary>Every fifth row is held out; the split depends only on position, so it is stable.</summary>
    private static (List<T> Train, List<T> Holdout) Split<T>(IEnumerable<T> rows)
    {
        var train = new List<T>();
        var holdout = new List<T>();
        var i = 0;
        foreach (var row in rows)
        {
            (i++ % 5 == 0 ? holdout : train).Add(row);
        }

        return (train, holdout);
    }

    /// <summary>
    /// Exports with <c>Features</c> as the only input: the sample view has no label column, so the graph
    /// needs nothing but what a device sends.
    /// </summary>
    internal static byte[] Export(MLContext ml, ITransformer model, int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        var sample = ml.Data.LoadFromEnumerable([new FeatureRow { Features = new float[featureCount] }], schema);
        using var stream = new MemoryStream();
        ml.Model.ConvertToOnnx(model, sample, stream);
        return stream.ToArray();
    }
}

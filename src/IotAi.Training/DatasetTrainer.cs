using System.Globalization;
using IotAi.Learning;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>
/// Trains the first version of a new model on a user's own labelled data, with <see cref="Retrainer"/>'s trainers.
/// A share of the examples is held out by a hash of each one's id, as <see cref="DatasetSnapshot"/> splits kept
/// samples, so an example stays on its side however the data grows; the holdout is scored from the exported graph.
/// The same data gives the same model and manifest, so training again and uploading again changes nothing.
/// </summary>
public static class DatasetTrainer
{
    public static DatasetTraining Train(LabelledDataset data, string name, string version = "1", double holdoutFraction = 0.2, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (holdoutFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "the holdout share is between 0 and 1");
        }

        var manifest = Retrainer.NewModel(name, version, data.Labels, data.Features, data.Image, data.Backbone);
        var train = new List<LabelledRow>();
        var holdout = new List<LabelledRow>();
        foreach (var example in data.Examples)
        {
            (DatasetSnapshot.IsHoldout(example.Id, holdoutFraction) ? holdout : train).Add(example.Row);
        }

        if (holdout.Count == 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"none of the {data.Examples.Count} examples fell in the {holdoutFraction:P0} held out to score the model on; give it more examples"));
        }

        progress?.Report($"training on {train.Count} examples");
        var trained = Retrainer.Train(manifest, train, version, new ModelLineage(null, "iotai train", $"{data.Source}#{data.Digest()}")) with { Backbone = data.Backbone?.Onnx };
        progress?.Report($"scoring {holdout.Count} held-out examples");
        var evaluation = ModelEvaluation.Of(trained.Manifest, trained.Onnx, holdout);
        return new DatasetTraining(trained with { Manifest = trained.Manifest with { Metrics = evaluation.ToMetrics() } }, evaluation, train.Count);
    }
}

/// <summary>A model trained on a user's own data, with how it did on the held-out share.</summary>
/// <param name="Model">The model, its holdout figures in its manifest's metrics.</param>
/// <param name="Holdout">Accuracy, macro-F1 and per-label figures on the holdout.</param>
/// <param name="TrainSamples">Examples it was trained on.</param>
public sealed record DatasetTraining(TrainedModel Model, ModelEvaluation Holdout, int TrainSamples);

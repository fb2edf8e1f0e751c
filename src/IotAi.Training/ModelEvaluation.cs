using IotAi.Inference;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>How a model version does on a holdout: accuracy, macro-F1 and per-label figures, from its ONNX graph itself.</summary>
/// <param name="Samples">Holdout examples scored.</param>
/// <param name="Accuracy">Share answered right.</param>
/// <param name="MacroF1">The mean of every label's F1.</param>
/// <param name="PerLabel">Precision, recall and F1 of each label.</param>
public sealed record ModelEvaluation(int Samples, double Accuracy, double MacroF1, IReadOnlyDictionary<string, LabelFigures> PerLabel)
{
    /// <summary>Scores <paramref name="onnx"/> on <paramref name="holdout"/> as the model host would run it.</summary>
    public static ModelEvaluation Of(ModelManifest manifest, byte[] onnx, IReadOnlyList<LabelledRow> holdout)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(holdout);
        using var model = new OnnxModel(manifest, onnx);
        var labels = manifest.Labels.Count;
        var confusion = new int[labels, labels];
        var scores = new float[labels];
        foreach (var row in holdout)
        {
            model.Run(row.Features, 1, scores);
            confusion[row.LabelIndex, Prediction.FromScores([.. scores]).LabelIndex]++;
        }

        var perLabel = new Dictionary<string, LabelFigures>(StringComparer.Ordinal);
        for (var i = 0; i < labels; i++)
        {
            var truePositive = confusion[i, i];
            var predicted = Enumerable.Range(0, labels).Sum(t => confusion[t, i]);
            var actual = Enumerable.Range(0, labels).Sum(p => confusion[i, p]);
            var precision = predicted == 0 ? 0 : (double)truePositive / predicted;
            var recall = actual == 0 ? 0 : (double)truePositive / actual;
            perLabel[manifest.Labels[i]] = new LabelFigures(actual, precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        }

        var right = Enumerable.Range(0, labels).Sum(i => confusion[i, i]);
        return new ModelEvaluation(holdout.Count, holdout.Count == 0 ? 0 : (double)right / holdout.Count, perLabel.Values.Average(static f => f.F1), perLabel);
    }

    /// <summary>The figures as manifest metrics: <c>accuracy</c>, <c>macroF1</c>, and <c>f1.{label}</c>, <c>recall.{label}</c> for each label.</summary>
    public Dictionary<string, double> ToMetrics()
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["accuracy"] = Accuracy, ["macroF1"] = MacroF1, ["holdoutSamples"] = Samples };
        foreach (var (label, figures) in PerLabel)
        {
            metrics[$"f1.{label}"] = figures.F1;
            metrics[$"precision.{label}"] = figures.Precision;
            metrics[$"recall.{label}"] = figures.Recall;
        }

        return metrics;
    }
}

/// <summary>One label's figures on a holdout.</summary>
public sealed record LabelFigures(int Support, double Precision, double Recall, double F1);

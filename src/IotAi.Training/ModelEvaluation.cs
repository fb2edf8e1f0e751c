using IotAi.Inference;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>How a model version does on a set of labelled rows: accuracy, macro-F1 and per-label figures, from its ONNX graph itself.</summary>
/// <param name="Samples">Rows scored.</param>
/// <param name="Accuracy">Share answered right.</param>
/// <param name="MacroF1">The mean of every label's F1.</param>
/// <param name="PerLabel">Precision, recall and F1 of each label.</param>
public sealed record ModelEvaluation(int Samples, double Accuracy, double MacroF1, IReadOnlyDictionary<string, LabelFigures> PerLabel)
{
    /// <summary>Scores <paramref name="onnx"/> on <paramref name="rows"/> as the model host would run it.</summary>
    public static ModelEvaluation Of(ModelManifest manifest, byte[] onnx, IReadOnlyList<LabelledRow> rows)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(rows);
        return From(manifest.Labels, rows, Predict(manifest, onnx, rows));
    }

    /// <summary>
    /// The label index <paramref name="onnx"/> gives each of <paramref name="rows"/>. For a model on a backbone the rows
    /// are the backbone's embeddings and <paramref name="onnx"/> is the head, which the served model runs on them.
    /// </summary>
    public static int[] Predict(ModelManifest manifest, byte[] onnx, IReadOnlyList<LabelledRow> rows)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(rows);
        using var model = manifest.Backbone is null ? new OnnxModel(manifest, onnx) : OnnxModel.HeadOf(manifest, onnx);
        var scores = new float[manifest.Labels.Count];
        var predicted = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            model.Run(rows[i].Features, 1, scores);
            predicted[i] = Prediction.FromScores([.. scores]).LabelIndex;
        }

        return predicted;
    }

    /// <summary>The figures of answers <paramref name="predicted"/> to <paramref name="rows"/>, row by row.</summary>
    public static ModelEvaluation From(IReadOnlyList<string> labels, IReadOnlyList<LabelledRow> rows, IReadOnlyList<int> predicted)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(predicted);
        var confusion = new int[labels.Count, labels.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            confusion[rows[i].LabelIndex, predicted[i]]++;
        }

        var perLabel = new Dictionary<string, LabelFigures>(StringComparer.Ordinal);
        for (var i = 0; i < labels.Count; i++)
        {
            var truePositive = confusion[i, i];
            var predictedAs = Enumerable.Range(0, labels.Count).Sum(t => confusion[t, i]);
            var actual = Enumerable.Range(0, labels.Count).Sum(p => confusion[i, p]);
            var precision = predictedAs == 0 ? 0 : (double)truePositive / predictedAs;
            var recall = actual == 0 ? 0 : (double)truePositive / actual;
            perLabel[labels[i]] = new LabelFigures(actual, precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        }

        var right = Enumerable.Range(0, labels.Count).Sum(i => confusion[i, i]);
        return new ModelEvaluation(rows.Count, rows.Count == 0 ? 0 : (double)right / rows.Count, perLabel.Values.Average(static f => f.F1), perLabel);
    }

    /// <summary>
    /// The figures as manifest metrics: <c>accuracy</c>, <c>macroF1</c>, <c>holdoutSamples</c>, and <c>f1.{label}</c>,
    /// <c>precision.{label}</c>, <c>recall.{label}</c> for each label; with <paramref name="set"/>, each key under it
    /// (<c>traffic.accuracy</c>, and <c>traffic.samples</c> for the count).
    /// </summary>
    public Dictionary<string, double> ToMetrics(string? set = null)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [Key("accuracy")] = Accuracy,
            [Key("macroF1")] = MacroF1,
            [set is null ? "holdoutSamples" : Key("samples")] = Samples,
        };
        foreach (var (label, figures) in PerLabel)
        {
            metrics[Key($"f1.{label}")] = figures.F1;
            metrics[Key($"precision.{label}")] = figures.Precision;
            metrics[Key($"recall.{label}")] = figures.Recall;
        }

        return metrics;

        string Key(string name) => set is null ? name : $"{set}.{name}";
    }
}

/// <summary>One label's figures on a set of rows.</summary>
public sealed record LabelFigures(int Support, double Precision, double Recall, double F1);

/// <summary>
/// The active version and a candidate scored on the same rows, with the rows only one of them got right: the paired
/// comparison a gate judges on, since rows both get right or both get wrong say nothing of which is better.
/// </summary>
/// <param name="Current">The active version's figures.</param>
/// <param name="Candidate">The candidate's figures.</param>
/// <param name="CandidateOnly">Rows only the candidate got right.</param>
/// <param name="CurrentOnly">Rows only the active version got right.</param>
public sealed record PairedEvaluation(ModelEvaluation Current, ModelEvaluation Candidate, int CandidateOnly, int CurrentOnly)
{
    /// <summary>The candidate's accuracy less the active version's.</summary>
    public double Gain => Candidate.Accuracy - Current.Accuracy;

    /// <summary>
    /// The gain in standard errors, by McNemar's test on the rows only one version got right: 2 or more is a win that
    /// chance alone gives about one time in forty.
    /// </summary>
    public double Z => CandidateOnly + CurrentOnly == 0 ? 0 : (CandidateOnly - CurrentOnly) / Math.Sqrt(CandidateOnly + CurrentOnly);

    /// <summary>Scores both versions on <paramref name="rows"/>.</summary>
    public static PairedEvaluation Of(ModelPackage current, TrainedModel candidate, IReadOnlyList<LabelledRow> rows)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(rows);
        var before = ModelEvaluation.Predict(current.Manifest, current.Onnx, rows);
        var after = ModelEvaluation.Predict(candidate.Manifest, candidate.Onnx, rows);
        int candidateOnly = 0, currentOnly = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var (was, now) = (before[i] == rows[i].LabelIndex, after[i] == rows[i].LabelIndex);
            candidateOnly += now && !was ? 1 : 0;
            currentOnly += was && !now ? 1 : 0;
        }

        return new PairedEvaluation(
            ModelEvaluation.From(current.Manifest.Labels, rows, before), ModelEvaluation.From(candidate.Manifest.Labels, rows, after), candidateOnly, currentOnly);
    }
}

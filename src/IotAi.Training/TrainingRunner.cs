using System.Globalization;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Training;

/// <summary>
/// One training run, in process: freeze the model's labelled samples into a snapshot, train a candidate on its
/// training side, score the candidate and the active version on the same holdout, and register the candidate
/// (signed, with its metrics and lineage) only if it wins by the required margin.
/// </summary>
public sealed class TrainingRunner(FileSampleStore samples, DatasetStore datasets, ModelRegistry registry, ModelSigner signer, TimeProvider clock)
{
    public TrainingOutcome Run(TrainingRequest request, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var active = registry.Active(request.Model) ?? throw new KeyNotFoundException($"model '{request.Model}' has no active version to improve on");
        var current = registry.Open(request.Model, active.Version);
        var now = clock.GetUtcNow();
        var runId = request.RunId ?? string.Create(CultureInfo.InvariantCulture, $"{request.Model}-{now:yyyyMMddHHmmss}");

        progress?.Report("snapshotting the labelled samples");
        var snapshot = DatasetSnapshot.Take(request.Model, samples.List(request.Model, labelled: true), request.HoldoutFraction, now);
        datasets.Save(snapshot);
        var train = Rows(current.Manifest, snapshot.Train);
        var holdout = Rows(current.Manifest, snapshot.Holdout);
        var outcome = new TrainingOutcome(runId, request.Model, snapshot.Id, train.Count, holdout.Count, active.Version, null, null, null, "");
        if (train.Count < request.MinSamples || holdout.Count == 0)
        {
            return outcome with { Verdict = $"not enough labelled samples: {train.Count} to train on (at least {request.MinSamples} needed) and {holdout.Count} held out" };
        }

        progress?.Report($"training on {train.Count} samples");
        var trainingStarted = clock.GetTimestamp();
        var version = NextVersion(request.Model);
        TrainedModel candidate;
        try
        {
            candidate = Retrainer.Train(current.Manifest, train, version, new ModelLineage(active.Version, runId, snapshot.Id));
        }
        catch (InvalidOperationException ex)
        {
            return outcome with { Verdict = ex.Message };
        }

        var trainingTime = clock.GetElapsedTime(trainingStarted);
        progress?.Report($"scoring {version} and {active.Version} on {holdout.Count} held-out samples");
        var evaluationStarted = clock.GetTimestamp();
        var before = ModelEvaluation.Of(current.Manifest, current.Onnx, holdout);
        var after = ModelEvaluation.Of(candidate.Manifest, candidate.Onnx, holdout);
        outcome = outcome with { Current = before, Candidate = after, TrainingSeconds = trainingTime.TotalSeconds, EvaluationSeconds = clock.GetElapsedTime(evaluationStarted).TotalSeconds };
        if (after.Accuracy < before.Accuracy + request.MinImprovement)
        {
            return outcome with
            {
                Verdict = string.Create(CultureInfo.InvariantCulture,
                    $"refused: the candidate's holdout accuracy {after.Accuracy:P1} does not beat {active.Version}'s {before.Accuracy:P1} by {request.MinImprovement:P1}"),
            };
        }

        registry.Import(ModelPackage.Create(candidate.Manifest with { Metrics = after.ToMetrics() }, candidate.Onnx, signer));
        progress?.Report($"registered {request.Model} {version}");
        return outcome with
        {
            RegisteredVersion = version,
            Verdict = string.Create(CultureInfo.InvariantCulture, $"registered {version}: holdout accuracy {after.Accuracy:P1} against {before.Accuracy:P1}"),
        };
    }

    /// <summary>The snapshot's samples as the model reads them; samples whose payload no longer reads are left out.</summary>
    private List<LabelledRow> Rows(ModelManifest manifest, IEnumerable<SnapshotSample> chosen)
    {
        var reader = manifest.Kind == PayloadKind.Telemetry ? new TelemetryReader(manifest.Features) : null;
        var rows = new List<LabelledRow>();
        foreach (var item in chosen)
        {
            var label = manifest.Labels.ToList().IndexOf(item.Label);
            if (label < 0 || samples.Find(item.Id) is not { } sample)
            {
                continue;
            }

            var payload = samples.Payload(sample);
            var features = new float[manifest.InputLength];
            var error = reader is not null ? reader.Read(payload, features).Error : ImagePreprocessor.TryPreprocess(payload, manifest.Image!, features);
            if (error is null)
            {
                rows.Add(new LabelledRow(features, label));
            }
        }

        return rows;
    }

    /// <summary>One above the highest numeric version; models with other version names get the count plus one.</summary>
    private string NextVersion(string model)
    {
        var versions = registry.Versions(model).Select(static v => v.Version).ToList();
        var highest = versions.Select(static v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty().Max();
        return (Math.Max(highest, versions.Count) + 1).ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>What to train, and what the candidate must show.</summary>
/// <param name="Model">The model to improve.</param>
/// <param name="HoldoutFraction">The share of samples kept out of training to score on.</param>
/// <param name="MinImprovement">How much the candidate's holdout accuracy must exceed the active version's.</param>
/// <param name="MinSamples">Training samples needed to try at all.</param>
/// <param name="RunId">The run's id; unset, one is made from the model and the time.</param>
public sealed record TrainingRequest(string Model, double HoldoutFraction = 0.2, double MinImprovement = 0.01, int MinSamples = 50, string? RunId = null);

/// <summary>What a training run did and found.</summary>
public sealed record TrainingOutcome(
    string RunId,
    string Model,
    string SnapshotId,
    int TrainSamples,
    int HoldoutSamples,
    string CurrentVersion,
    ModelEvaluation? Current,
    ModelEvaluation? Candidate,
    string? RegisteredVersion,
    string Verdict,
    double TrainingSeconds = 0,
    double EvaluationSeconds = 0);

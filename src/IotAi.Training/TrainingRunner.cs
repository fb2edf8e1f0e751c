using System.Globalization;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Training;

/// <summary>
/// One training run, in process: freeze the model's labelled samples into a snapshot; train a candidate on its training
/// side together with a replay of what the active version was trained on; score the candidate and the active version on
/// the snapshot's evaluation set (recent traffic), on the active version's regression set and on the holdout of kept
/// samples; and register the candidate (signed, with its figures and lineage, its own training data and regression set
/// beside it) only if it passes every one of <see cref="CandidateGates"/>. For a model on a pretrained backbone every row
/// is the backbone's embedding of the sample, from an <see cref="EmbeddingCache"/>, so a sample is run through the
/// backbone once however many runs train on it, and the candidate is a new head on the same backbone.
/// </summary>
/// <param name="samples">The kept samples.</param>
/// <param name="datasets">Where snapshots are saved.</param>
/// <param name="versions">Each version's training rows and regression set.</param>
/// <param name="registry">The models.</param>
/// <param name="signer">Signs a candidate that passes.</param>
/// <param name="clock">The time of the run.</param>
/// <param name="embeddings">Where a backbone model's embeddings are kept; <c>embeddings</c> beside the version data by default.</param>
public sealed class TrainingRunner(FileSampleStore samples, DatasetStore datasets, VersionDatasets versions, ModelRegistry registry, ModelSigner signer, TimeProvider clock, EmbeddingCache? embeddings = null)
{
    private readonly EmbeddingCache _embeddings = embeddings ?? new EmbeddingCache(Path.Combine(versions.Root, "embeddings"));

    public TrainingOutcome Run(TrainingRequest request, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var active = registry.Active(request.Model) ?? throw new KeyNotFoundException($"model '{request.Model}' has no active version to improve on");
        var current = registry.Open(request.Model, active.Version);
        var now = clock.GetUtcNow();
        var runId = request.RunId ?? string.Create(CultureInfo.InvariantCulture, $"{request.Model}-{now:yyyyMMddHHmmss}");

        progress?.Report("snapshotting the labelled samples");
        var snapshot = DatasetSnapshot.Take(request.Model, samples.List(request.Model, labelled: true), request.HoldoutFraction, now, request.EvaluationWindow);
        datasets.Save(snapshot);
        var backbone = current.Manifest.Backbone is { } part ? PretrainedBackbone.FromOnnx(part.Name, current.Backbone!) : null;
        var train = Rows(current.Manifest, backbone, snapshot.Train);
        var holdout = Rows(current.Manifest, backbone, snapshot.Holdout);
        var traffic = Rows(current.Manifest, backbone, snapshot.Evaluation);
        var outcome = new TrainingOutcome(runId, request.Model, snapshot.Id, train.Count, holdout.Count, active.Version, null, null, null, "") { EvaluationSamples = traffic.Count };
        if (train.Count < request.MinSamples || holdout.Count == 0)
        {
            return outcome with { Verdict = $"not enough labelled samples: {train.Count} to train on (at least {request.MinSamples} needed) and {holdout.Count} held out" };
        }

        var (learned, pinned) = ActiveData(current, backbone, progress);
        var ratio = request.ReplayRatio ?? TrainingRequest.ReplayRatioFor(current.Manifest.Kind);
        var replay = VersionDatasets.Sample(learned, (int)Math.Min(learned.Count, Math.Ceiling(ratio * train.Count)));
        progress?.Report(replay.Count == 0 ? $"training on {train.Count} samples" : $"training on {train.Count} samples and {replay.Count} of v{active.Version}'s training rows");
        var trainingStarted = clock.GetTimestamp();
        var version = NextVersion(request.Model);
        List<LabelledRow> trainedOn = [.. train, .. replay];
        TrainedModel candidate;
        try
        {
            candidate = Retrainer.Train(current.Manifest, trainedOn, version, new ModelLineage(active.Version, runId, snapshot.Id)) with { Backbone = current.Backbone };
        }
        catch (InvalidOperationException ex)
        {
            return outcome with { Verdict = ex.Message, ReplaySamples = replay.Count };
        }

        var trainingTime = clock.GetElapsedTime(trainingStarted);
        progress?.Report($"scoring v{version} and v{active.Version} on {traffic.Count} samples of recent traffic, {pinned.Count} of the regression set and {holdout.Count} held out");
        var evaluationStarted = clock.GetTimestamp();
        var onHoldout = PairedEvaluation.Of(current, candidate, holdout);
        var onTraffic = traffic.Count == 0 ? null : PairedEvaluation.Of(current, candidate, traffic);
        var onRegression = pinned.Count == 0 ? null : PairedEvaluation.Of(current, candidate, pinned);
        var gates = CandidateGates.Judge(request, active.Version, onHoldout, onTraffic, onRegression);
        outcome = outcome with
        {
            Current = onHoldout.Current,
            Candidate = onHoldout.Candidate,
            Traffic = onTraffic,
            Regression = onRegression,
            Gates = gates,
            ReplaySamples = replay.Count,
            TrainingSeconds = trainingTime.TotalSeconds,
            EvaluationSeconds = clock.GetElapsedTime(evaluationStarted).TotalSeconds,
        };
        if (gates.FirstOrDefault(static g => !g.Passed) is { } failed)
        {
            return outcome with { Verdict = $"refused: {failed.Summary}" };
        }

        var metrics = onHoldout.Candidate.ToMetrics();
        foreach (var (set, figures) in new[] { (CandidateGates.Traffic, onTraffic), (CandidateGates.Regression, onRegression) })
        {
            foreach (var (key, value) in figures?.Candidate.ToMetrics(set) ?? [])
            {
                metrics[key] = value;
            }
        }

        // Its data first: a version registered without it would leave the next run nothing to replay or hold candidates to.
        versions.SaveTraining(request.Model, version, trainedOn);
        versions.SaveRegression(request.Model, version, [.. holdout, .. pinned]);
        registry.Import((candidate with { Manifest = candidate.Manifest with { Metrics = metrics } }).Sign(signer));
        progress?.Report($"registered {request.Model} {version}");
        return outcome with { RegisteredVersion = version, Verdict = $"registered {version}: {string.Join("; ", gates.Select(static g => g.Summary))}" };
    }

    /// <summary>
    /// What the active version was trained on and its regression set. A shipped version has them made again from its seed
    /// the first time, and kept; a version from elsewhere (imported, or trained on a user's own data) may have neither. Rows
    /// of another length than the model's input, or with labels it does not have, cannot be used.
    /// </summary>
    private (IReadOnlyList<LabelledRow> Training, IReadOnlyList<LabelledRow> Regression) ActiveData(ModelPackage current, PretrainedBackbone? backbone, IProgress<string>? progress)
    {
        var (model, version) = (current.Manifest.Name, current.Manifest.Version);
        var training = versions.Training(model, version);
        var regression = versions.Regression(model, version);
        Func<IReadOnlyList<byte[]>, float[]?[]>? embed = backbone is null ? null : images => _embeddings.Embed(images, backbone, current.Manifest.Image!, new string?[images.Count]);
        if (training is null && regression is null && DefaultModels.DataOf(current.Manifest, embed) is { } shipped)
        {
            progress?.Report($"making again the data v{version} was shipped with, to replay it and to hold candidates to its holdout");
            versions.SaveTraining(model, version, shipped.Train);
            versions.SaveRegression(model, version, shipped.Holdout);
            (training, regression) = (versions.Training(model, version), versions.Regression(model, version));
        }

        return (Usable(training), Usable(regression));

        IReadOnlyList<LabelledRow> Usable(IReadOnlyList<LabelledRow>? rows) =>
            rows is { Count: > 0 } && rows.All(r => r.Features.Length == (current.Manifest.Backbone?.Width ?? current.Manifest.InputLength) && r.LabelIndex >= 0 && r.LabelIndex < current.Manifest.Labels.Count)
                ? rows
                : [];
    }

    /// <summary>
    /// The snapshot's samples as the model reads them, or for a model on a backbone as the backbone's embeddings of them;
    /// samples whose payload no longer reads are left out.
    /// </summary>
    private List<LabelledRow> Rows(ModelManifest manifest, PretrainedBackbone? backbone, IEnumerable<SnapshotSample> chosen)
    {
        if (backbone is not null)
        {
            var found = chosen.Select(item => (Label: manifest.Labels.ToList().IndexOf(item.Label), Sample: samples.Find(item.Id)))
                .Where(static s => s.Label >= 0 && s.Sample is not null)
                .Select(s => (s.Label, Payload: samples.Payload(s.Sample!)))
                .ToList();
            var errors = new string?[found.Count];
            var embedded = _embeddings.Embed([.. found.Select(static f => f.Payload)], backbone, manifest.Image!, errors);
            return [.. found.Select((f, i) => embedded[i] is { } embedding ? new LabelledRow(embedding, f.Label) : null).OfType<LabelledRow>()];
        }

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

/// <summary>What to train, and what the candidate must show (see <see cref="CandidateGates"/>).</summary>
/// <param name="Model">The model to improve.</param>
/// <param name="HoldoutFraction">The share of kept samples held out of training to score on.</param>
/// <param name="MinImprovement">How much the candidate's accuracy on recent traffic must exceed the active version's.</param>
/// <param name="MinSamples">Training samples needed to try at all.</param>
/// <param name="RunId">The run's id; unset, one is made from the model and the time.</param>
public sealed record TrainingRequest(string Model, double HoldoutFraction = 0.2, double MinImprovement = 0.01, int MinSamples = 50, string? RunId = null)
{
    /// <summary>Labelled evaluation samples of recent traffic the candidate is judged on, at least; 0 turns the traffic gates off.</summary>
    public int MinEvaluationSamples { get; init; } = 100;

    /// <summary>The newest this many labelled evaluation samples are the recent traffic.</summary>
    public int EvaluationWindow { get; init; } = 1_000;

    /// <summary>How far any label's F1 on recent traffic may fall.</summary>
    public double MaxLabelDrop { get; init; } = 0.05;

    /// <summary>How far accuracy on the active version's regression set may fall.</summary>
    public double RegressionMargin { get; init; } = 0.05;

    /// <summary>
    /// Rows of the active version's training data replayed per new training sample, drawn evenly from it: more keeps more
    /// of the old world, fewer lets a model follow a changed world sooner. Null takes <see cref="ReplayRatioFor"/> the model's kind.
    /// </summary>
    public double? ReplayRatio { get; init; }

    /// <summary>
    /// The replay ratio a model of <paramref name="kind"/> gets unless told otherwise. An image model on pixels learns a new
    /// lighting beside the old one without conflict, but forgets the old unless it sees much of it: it replays 8 rows per
    /// new sample, in practice all it has. A sensor model reads a few values that a drifted world contradicts in places, and
    /// many replayed rows would outvote the new ones: it replays 2.
    /// </summary>
    public static double ReplayRatioFor(PayloadKind kind) => kind == PayloadKind.Image ? 8 : 2;
}

/// <summary>What a training run did and found.</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="Model">The model retrained.</param>
/// <param name="SnapshotId">The snapshot of labelled samples it worked on.</param>
/// <param name="TrainSamples">Kept samples trained on (the replayed rows are <see cref="ReplaySamples"/>).</param>
/// <param name="HoldoutSamples">Kept samples held out.</param>
/// <param name="CurrentVersion">The active version the candidate had to beat.</param>
/// <param name="Current">The active version on the holdout of kept samples.</param>
/// <param name="Candidate">The candidate on the same holdout.</param>
/// <param name="RegisteredVersion">The version registered, or null when the candidate was refused.</param>
/// <param name="Verdict">What the run decided, with the gates' figures.</param>
/// <param name="TrainingSeconds">How long training took.</param>
/// <param name="EvaluationSeconds">How long scoring both versions took.</param>
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
    double EvaluationSeconds = 0)
{
    /// <summary>Rows of the active version's training data trained on beside the new samples.</summary>
    public int ReplaySamples { get; init; }

    /// <summary>Labelled evaluation samples of recent traffic in the snapshot.</summary>
    public int EvaluationSamples { get; init; }

    /// <summary>Both versions on the evaluation set, the traffic the fleet sends; null without one.</summary>
    public PairedEvaluation? Traffic { get; init; }

    /// <summary>Both versions on the active version's regression set; null without one.</summary>
    public PairedEvaluation? Regression { get; init; }

    /// <summary>Every gate's judgement, in the order they are judged; null when the run stopped before judging.</summary>
    public IReadOnlyList<GateCheck>? Gates { get; init; }
}

using System.CommandLine;
using System.Diagnostics;
using IotAi.Learning;
using IotAi.Models;
using IotAi.ServiceDefaults;
using IotAi.Training;

namespace IotAi.Trainer;

/// <summary>
/// <c>iotai-trainer</c>: one training run, as a silo would run it in process, against the data directory the
/// silos share (a PersistentVolume in Kubernetes). A winning candidate is registered there, signed with the
/// silos' key; the outcome goes to <c>training/{runId}.json</c> on the volume and its verdict to the
/// container's termination message, where <c>kubectl describe</c> shows it.
/// </summary>
public static class TrainerCommand
{
    /// <summary>The run finished with a verdict, registered or refused.</summary>
    public const int Finished = 0;

    /// <summary>The run could not be done: bad data, a missing model, a broken key.</summary>
    public const int Broken = 1;

    public static RootCommand Create(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var data = new Option<DirectoryInfo>("--data") { Description = "The data directory the silos share", Required = true };
        var model = new Option<string>("--model") { Description = "The model to retrain", Required = true };
        var runId = new Option<string>("--run-id") { Description = "The run's id, chosen by the silo that started it", Required = true };
        var holdout = new Option<double>("--holdout") { Description = "The share of samples held out to score on", DefaultValueFactory = _ => 0.2 };
        var defaults = new TrainingRequest("defaults");
        var improvement = new Option<double>("--min-improvement") { Description = "How much the candidate must beat the active version by on recent traffic", DefaultValueFactory = _ => defaults.MinImprovement };
        var minSamples = new Option<int>("--min-samples") { Description = "Training samples needed to try", DefaultValueFactory = _ => defaults.MinSamples };
        var minEvaluation = new Option<int>("--min-evaluation-samples")
        {
            Description = "Labelled evaluation samples of recent traffic needed to judge the candidate; 0 judges on the holdout instead",
            DefaultValueFactory = _ => defaults.MinEvaluationSamples,
        };
        var evaluationWindow = new Option<int>("--evaluation-window") { Description = "The newest this many evaluation samples are the recent traffic", DefaultValueFactory = _ => defaults.EvaluationWindow };
        var labelDrop = new Option<double>("--max-label-drop") { Description = "How far any label's F1 on recent traffic may fall", DefaultValueFactory = _ => defaults.MaxLabelDrop };
        var regressionMargin = new Option<double>("--regression-margin") { Description = "How far accuracy on the active version's regression set may fall", DefaultValueFactory = _ => defaults.RegressionMargin };
        var replay = new Option<double?>("--replay-ratio") { Description = "Rows of the active version's training data replayed per new sample; unset, 8 for an image model and 2 for a sensor model" };
        var signingKey = new Option<FileInfo?>("--signing-key") { Description = "The PEM signing key, such as a mounted Secret; unset, the key kept in the data directory" };
        var terminationLog = new Option<FileInfo>("--termination-log")
        {
            Description = "Where the verdict goes for the container's status",
            DefaultValueFactory = _ => new FileInfo("/dev/termination-log"),
        };
        var root = new RootCommand("Run one training run against a shared IotAi data directory")
        {
            data, model, runId, holdout, improvement, minSamples, minEvaluation, evaluationWindow, labelDrop, regressionMargin, replay, signingKey, terminationLog,
        };
        root.SetAction(parse =>
        {
            var layout = new DataLayout(parse.GetValue(data)!.FullName);
            var request = new TrainingRequest(parse.GetValue(model)!, parse.GetValue(holdout), parse.GetValue(improvement), parse.GetValue(minSamples), parse.GetValue(runId))
            {
                MinEvaluationSamples = parse.GetValue(minEvaluation),
                EvaluationWindow = parse.GetValue(evaluationWindow),
                MaxLabelDrop = parse.GetValue(labelDrop),
                RegressionMargin = parse.GetValue(regressionMargin),
                ReplayRatio = parse.GetValue(replay),
            };
            try
            {
                var outcome = Run(layout, request, parse.GetValue(signingKey), output);
                Terminate(parse.GetValue(terminationLog)!, outcome.Verdict);
                return Finished;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or KeyNotFoundException or ArgumentException or ModelVerificationException or InvalidDataException)
            {
                output.WriteLine($"training run {request.RunId} failed: {ex.Message}");
                Terminate(parse.GetValue(terminationLog)!, ex.Message);
                return Broken;
            }
        });
        return root;
    }

    private static TrainingOutcome Run(DataLayout layout, TrainingRequest request, FileInfo? signingKey, TextWriter output)
    {
        // A trainer never makes up a key of its own: nothing it signed would be trusted by the silos or the edge.
        var kept = Path.Combine(layout.Keys, ModelKeyring.GeneratedKeyFileName);
        if (signingKey is null && !File.Exists(kept))
        {
            throw new InvalidOperationException($"no signing key: {kept} does not exist; pass the silos' key with --signing-key, or mount the data directory the silos use");
        }

        var signing = new ModelSigningOptions { PrivateKeyFile = signingKey?.FullName };
        using var keys = ModelKeyring.Load(signing, layout.Keys);
        output.WriteLine($"training run {request.RunId}: {request.Model} in {layout.Root}, signing with {keys.Source}");
        var runner = new TrainingRunner(new FileSampleStore(layout.Samples), new DatasetStore(layout.Datasets), new VersionDatasets(layout.Datasets),
            new ModelRegistry(layout.Models, keys.Trusted), keys.Signer, TimeProvider.System);
        // A training run is rare and worth its whole trace, whatever the sampling.
        using var span = TrainerTelemetry.Source.StartActivity(ActivityKind.Internal, tags: TraceSampling.Keep(new("iotai.model", request.Model), new("iotai.training.run", request.RunId)), name: "training run");
        var outcome = runner.Run(request, new LineProgress(output));
        span?.SetTag("iotai.training.verdict", outcome.Verdict);
        new TrainingOutcomeStore(layout.TrainingRuns).Save(outcome);
        output.WriteLine($"training run {request.RunId}: {outcome.Verdict}");
        return outcome;
    }

    /// <summary>Kubernetes keeps at most 4 KiB of the message; a container outside Kubernetes may have no such file.</summary>
    private static void Terminate(FileInfo file, string verdict)
    {
        if (file.Directory is { Exists: true })
        {
            File.WriteAllText(file.FullName, verdict.Length > 4000 ? verdict[..4000] : verdict);
        }
    }

    /// <summary>Progress as plain log lines, which is what <c>kubectl logs</c> and the silo collect.</summary>
    private sealed class LineProgress(TextWriter output) : IProgress<string>
    {
        public void Report(string value) => output.WriteLine(value);
    }
}

using IotAi.Client;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Synthetic;
using IotAi.Training;
using Microsoft.Extensions.Hosting;

namespace IotAi.Bench;

/// <summary>
/// The learning loop, timed: a silo in its own process and a fleet of real edge agents; the sensor world
/// drifts; the silo keeps samples and a teacher model labels them; a run retrains and evaluates; the winner
/// rolls out; the agents' own accuracy comes back. Each phase is timed on the wall clock. The agents do not
/// send their truth: labels come only from the teacher, a model trained beforehand on readings from several
/// baselines, so labelling is a phase of its own as it is where no device knows the truth.
/// </summary>
public static class LoopBenchmark
{
    private const string Model = "sensor-anomaly";
    private const int Devices = 6;
    private const int LabelsForTraining = 1500;

    /// <summary>How long any step of the loop may take.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);
    private const string Teacher = "sensor-anomaly-teacher";

    /// <summary>Agents that read their sensors fast, answer every reading themselves, and report their quality often; no truth sent.</summary>
    private static readonly Dictionary<string, string?> AgentSettings = new()
    {
        ["Edge:Sources:0"] = "sensor",
        ["Edge:SensorInterval"] = "00:00:00.020",
        ["Edge:QualityReportInterval"] = "00:00:00.200",
        ["Edge:JointInference"] = "All",
        ["Edge:SendTruth"] = "false",
    };

    public static async Task<LoopFigures> RunAsync(CancellationToken cancellationToken)
    {
        // The silo process owns the data directory and deletes it when it goes.
        var data = Directory.CreateTempSubdirectory("iotai-bench-loop-");
        await using var silo = await SiloProcess.StartAsync(
            ["--Learning:Capture:Default:RandomFraction=0.3", "--Learning:Capture:Default:EvaluationFraction=0.1", "--Learning:Capture:Default:PerDevicePerHour=100000",
             "--Learning:Training:CheckInterval=1.00:00:00",
             "--Learning:Teaching:Interval=00:00:00.500", "--Learning:Teaching:BatchSize=5000", $"--Learning:Teaching:Models:{Model}:Teacher={Teacher}",
             $"--Learning:Teaching:Models:{Model}:MinConfidence=0.9"],
            cancellationToken, data);
        using var api = silo.Connect();
        // The silo listens for MQTT first; its HTTP side follows a moment later.
        await LoopParts.UntilAsync(async () => await LoopParts.ReadyAsync(api, cancellationToken), Patience, cancellationToken);
        var key = Directory.EnumerateFiles(Path.Combine(data.FullName, "keys"), "*.pub.pem").First();
        await RegisterTeacherAsync(api, data, cancellationToken);
        var ids = Enumerable.Range(0, Devices).Select(i => $"bench-loop-{i}").ToList();
        var agents = new List<IHost>();
        foreach (var id in ids)
        {
            agents.Add(await LoopParts.StartAgentAsync(id, silo.MqttPort, data.FullName, key, AgentSettings, cancellationToken));
        }

        try
        {
            await RollOutAsync(api, "1", ids, cancellationToken);
            var before = await AccuracyAsync(api, ids, "1", cancellationToken);

            var drifted = Stopwatch.GetTimestamp();
            foreach (var id in ids)
            {
                await api.SetDesiredAsync(id, new Dictionary<string, string> { ["sensorDrift"] = "12" }, cancellationToken);
            }

            var store = new FileSampleStore(Path.Combine(data.FullName, "samples"));
            await LoopParts.UntilAsync(() => Task.FromResult(store.List(Model).Count >= LabelsForTraining), Patience, cancellationToken);
            var captured = Stopwatch.GetElapsedTime(drifted);
            await LoopParts.UntilAsync(() => Task.FromResult(store.List(Model, labelled: true).Count >= LabelsForTraining), Patience, cancellationToken);
            var labelled = Stopwatch.GetElapsedTime(drifted) - captured;

            var trainingStarted = Stopwatch.GetTimestamp();
            var started = await api.StartTrainingAsync(new { model = Model, minSamples = 200, rollout = false }, cancellationToken);
            var runId = started.GetProperty("runId").GetString()!;
            JsonElement run = default;
            await LoopParts.UntilAsync(async () => (run = await api.GetTrainingAsync(runId, cancellationToken)).GetProperty("state").GetString() != "running", Patience, cancellationToken);
            var trained = Stopwatch.GetElapsedTime(trainingStarted);
            var outcome = run.GetProperty("outcome");
            var version = outcome.GetProperty("registeredVersion").GetString()
                ?? throw new InvalidOperationException($"the run registered nothing: {run.GetProperty("progress").GetString()}");

            var rolloutStarted = Stopwatch.GetTimestamp();
            var quality = await RollOutAsync(api, version, ids, cancellationToken);
            var rolledOut = Stopwatch.GetElapsedTime(rolloutStarted);
            var after = await AccuracyAsync(api, ids, version, cancellationToken);
            var total = Stopwatch.GetElapsedTime(drifted);
            return new LoopFigures(Devices, before, after, LabelsForTraining, captured, labelled, outcome.GetProperty("trainingSeconds").GetDouble(),
                outcome.GetProperty("evaluationSeconds").GetDouble(), trained, rolledOut, total,
                outcome.GetProperty("candidate").GetProperty("accuracy").GetDouble(), outcome.GetProperty("current").GetProperty("accuracy").GetDouble())
            {
                Traffic = Pair(outcome, "traffic"),
                Regression = Pair(outcome, "regression"),
                ReplayRows = outcome.GetProperty("replaySamples").GetInt32(),
                Gates = [.. outcome.GetProperty("gates").EnumerateArray().Select(static g => g.GetProperty("summary").GetString()!)],
                RolloutQuality = quality,
            };
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.StopAsync(CancellationToken.None);
                agent.Dispose();
            }
        }
    }

    /// <summary>
    /// Trains the teacher on readings from baselines 0 to 18 degrees above the shipped model's and registers it,
    /// signed with the silo's key, before the clock starts: a larger model that has seen more of the world.
    /// </summary>
    private static async Task RegisterTeacherAsync(IotAiClient api, DirectoryInfo data, CancellationToken cancellationToken)
    {
        var start = DateTimeOffset.UnixEpoch.AddYears(56);
        var rows = new[] { 0.0, 6, 12, 18 }
            .SelectMany((drift, i) =>
            {
                var signal = new SensorSignal(1000 + i, anomalyRate: 0.3) { Drift = drift };
                return Enumerable.Range(0, 3000).Select(n => signal.Next(start.AddSeconds(n * 10)));
            })
            .Select(static r => new LabelledRow(r.ToFeatures(), r.IsAnomaly ? 1 : 0))
            .ToList();
        var manifest = Retrainer.NewModel(Teacher, "1", [SensorSample.NormalLabel, SensorSample.AnomalyLabel], SensorSample.FeatureNames, null);
        var teacher = Retrainer.Train(manifest, rows, "1", new ModelLineage(null, "bench", "synthetic baselines +0..+18"));
        using var signer = ModelSigner.FromPem(await File.ReadAllTextAsync(Path.Combine(data.FullName, "keys", ModelKeyring.GeneratedKeyFileName), cancellationToken));
        using var package = new MemoryStream();
        ModelPackage.Create(teacher.Manifest, teacher.Onnx, signer).WriteTo(package);
        using var content = new ByteArrayContent(package.ToArray());
        await api.ImportModelAsync(content, null, cancellationToken);
    }

    /// <summary>A version's and its candidate's accuracy on one of the sets a run judged on, with its size; null where the run had none.</summary>
    private static (double Current, double Candidate, int Samples)? Pair(JsonElement outcome, string set) =>
        outcome.TryGetProperty(set, out var pair) && pair.ValueKind == JsonValueKind.Object
            ? (pair.GetProperty("current").GetProperty("accuracy").GetDouble(), pair.GetProperty("candidate").GetProperty("accuracy").GetDouble(),
                pair.GetProperty("current").GetProperty("samples").GetInt32())
            : null;

    /// <summary>Rolls <paramref name="version"/> out to the agents in one stage; returns its quality gate's last verdict.</summary>
    private static async Task<string?> RollOutAsync(IotAiClient api, string version, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var id = $"bench-loop-v{version}";
        await api.StartRolloutAsync(new
        {
            id,
            model = Model,
            version,
            target = new { deviceIds = ids },
            stages = new[] { new { name = "all", percent = 100 } },
        }, cancellationToken);
        JsonElement status = default;
        await LoopParts.UntilAsync(async () => (status = await api.GetRolloutAsync(id, cancellationToken)).GetProperty("phase").GetString() is not ("Running" or "Paused"), Patience, cancellationToken);
        if (status.GetProperty("phase").GetString() != "Completed")
        {
            throw new InvalidOperationException($"the rollout of {version} ended {status.GetProperty("phase").GetString()}: {status.GetProperty("reason")}");
        }

        return status.TryGetProperty("quality", out var quality) && quality.ValueKind == JsonValueKind.Object ? quality.GetProperty("summary").GetString() : null;
    }

    /// <summary>The fleet's edge-measured accuracy of <paramref name="version"/>, once it has 600 labelled answers.</summary>
    private static async Task<double> AccuracyAsync(IotAiClient api, IReadOnlyList<string> ids, string version, CancellationToken cancellationToken)
    {
        (long Labeled, long Correct) totals = default;
        await LoopParts.UntilAsync(async () =>
        {
            totals = default;
            foreach (var id in ids)
            {
                var twin = await api.GetDeviceAsync(id, cancellationToken);
                if (twin.GetProperty("quality").TryGetProperty(Model, out var versions))
                {
                    foreach (var v in versions.EnumerateArray().Where(v => v.GetProperty("version").GetString() == version))
                    {
                        var stats = v.GetProperty("stats");
                        totals = (totals.Labeled + stats.GetProperty("labeled").GetInt64(), totals.Correct + stats.GetProperty("correct").GetInt64());
                    }
                }
            }

            return totals.Labeled >= 600;
        }, Patience, cancellationToken);
        return (double)totals.Correct / totals.Labeled;
    }
}

/// <summary>One timed turn of the learning loop, with the figures its gates judged.</summary>
public sealed record LoopFigures(
    int Devices,
    double AccuracyBefore,
    double AccuracyAfter,
    int Labels,
    TimeSpan Capture,
    TimeSpan Labelling,
    double TrainingSeconds,
    double EvaluationSeconds,
    TimeSpan Run,
    TimeSpan Rollout,
    TimeSpan Total,
    double CandidateHoldoutAccuracy,
    double CurrentHoldoutAccuracy)
{
    /// <summary>Both versions on the recent traffic (evaluation samples), and how many.</summary>
    public (double Current, double Candidate, int Samples)? Traffic { get; init; }

    /// <summary>Both versions on the old version's regression set, and its size.</summary>
    public (double Current, double Candidate, int Samples)? Regression { get; init; }

    public int ReplayRows { get; init; }

    /// <summary>Every gate's judgement of the candidate.</summary>
    public IReadOnlyList<string> Gates { get; init; } = [];

    /// <summary>The rollout's quality gate, as the agents reported the new version against the old.</summary>
    public string? RolloutQuality { get; init; }
}

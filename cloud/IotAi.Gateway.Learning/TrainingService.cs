using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.ServiceDefaults;
using IotAi.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Learning;

/// <summary>
/// Starts training runs, one per model at a time, in the background (where they execute is the
/// <see cref="ITrainingExecutor"/>'s business), and keeps each run's
/// status for the API. Settings a request leaves out come from <see cref="TrainingOptions"/>. A candidate that passes
/// the gates is rolled out, in stages with the quality and live gates, to the devices the request targets, unless the
/// request says not to.
/// </summary>
public sealed partial class TrainingService(
    ITrainingExecutor executor, IGrainFactory grains, IOptions<TrainingOptions> options, LearningTelemetry telemetry, TimeProvider clock, ILogger<TrainingService> logger)
{
    private readonly ConcurrentDictionary<string, TrainingStatus> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _busy = new(StringComparer.Ordinal);

    /// <summary>The last rollout this service started for each model.</summary>
    private readonly ConcurrentDictionary<string, string> _rollouts = new(StringComparer.Ordinal);

    /// <summary>How many finished runs the service remembers; their outcomes stay in the data directory.</summary>
    public const int Remembered = 200;

    public TrainingStatus? Find(string runId) => _runs.GetValueOrDefault(runId);

    /// <summary>The runs this silo started, newest first, of one model or of all.</summary>
    public IReadOnlyList<TrainingStatus> List(string? model = null) =>
        [.. _runs.Values.Where(r => model is null || r.Model == model).OrderByDescending(static r => r.StartedAt).ThenByDescending(static r => r.RunId, StringComparer.Ordinal)];

    /// <summary>
    /// Whether the last version this service registered for <paramref name="model"/> is still being rolled out (or rolled
    /// back). The triggers wait for it: the next run should learn from traffic that version answered, and a second rollout
    /// of the same model would take its devices' trials from the first.
    /// </summary>
    public async Task<bool> RollingOutAsync(string model) =>
        _rollouts.TryGetValue(model, out var id)
        && await grains.GetGrain<IRolloutGrain>(id).GetStatusAsync() is { Phase: RolloutPhase.Running or RolloutPhase.Paused or RolloutPhase.RollingBack };

    /// <summary>Starts a run; throws <see cref="InvalidOperationException"/> while another run of the model is going.</summary>
    public TrainingStatus Start(TrainingStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var runId = string.Create(CultureInfo.InvariantCulture, $"{start.Model}-{clock.GetUtcNow():yyyyMMddHHmmss}-{Random.Shared.Next(0x10000):x4}");
        if (!_busy.TryAdd(start.Model, runId))
        {
            throw new InvalidOperationException($"run {_busy[start.Model]} of {start.Model} is still going");
        }

        var status = new TrainingStatus(runId, start.Model, TrainingStates.Running, "starting", null, null, clock.GetUtcNow());
        Forget();
        _runs[runId] = status;
        _ = Task.Run(() => ExecuteAsync(runId, start));
        return status;
    }

    private async Task ExecuteAsync(string runId, TrainingStart start)
    {
        var started = clock.GetTimestamp();
        var ended = TrainingStates.Failed;
        // A run is a trace of its own, always kept: its steps are the span's events, its verdict the span's end. Not a
        // child of whatever started it (an API request's untraced activity would have it dropped with it).
        Activity.Current = null;
        using var activity = LearningTelemetry.Source.StartActivity(ActivityKind.Internal, parentContext: default,
            TraceSampling.Keep(new("iotai.model", start.Model), new("iotai.training.run", runId)), name: $"training run {start.Model}");
        try
        {
            var request = options.Value.Request(start, runId);
            var outcome = await executor.RunAsync(request, new RunProgress(step =>
            {
                activity?.AddEvent(new ActivityEvent(step));
                Update(runId, s => s.State == TrainingStates.Running ? s with { Progress = step } : s);
            }), CancellationToken.None);
            var (rollout, verdict) = (default(string), outcome.Verdict);
            if (outcome.RegisteredVersion is { } version && start.Rollout != false)
            {
                try
                {
                    await SupersedeAsync(start.Model, version);
                    rollout = $"retrain-{runId}";
                    await grains.GetGrain<IRolloutGrain>(rollout).StartAsync(new RolloutPlan(start.Model, version, new RolloutTarget(Tags: start.RolloutTags),
                        [new RolloutStage("canary", 10), new RolloutStage("half", 50), new RolloutStage("all", 100)], RolloutGates.Default));
                    _rollouts[start.Model] = rollout;
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // The version is registered whatever the rollout says, e.g. that no device is there to take it yet.
                    (rollout, verdict) = (null, $"{verdict}; not rolled out: {ex.Message}");
                }
            }

            var state = ended = outcome.RegisteredVersion is null ? TrainingStates.Refused : TrainingStates.Registered;
            activity?.SetTag("iotai.model.version", outcome.RegisteredVersion);
            activity?.SetTag("iotai.rollout", rollout);
            Update(runId, s => s with { State = state, Progress = verdict, Outcome = outcome, Rollout = rollout });
            LogFinished(runId, verdict);
        }
#pragma warning disable CA1031 // A failed run is reported through its status, whatever broke.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Update(runId, s => s with { State = TrainingStates.Failed, Progress = ex.Message });
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            LogFailed(ex, runId);
        }
        finally
        {
            telemetry.TrainingEnded(start.Model, ended, clock.GetElapsedTime(started));
            activity?.SetTag("iotai.training.state", ended);
            _busy.TryRemove(start.Model, out _);
        }
    }

    /// <summary>A newer version replaces one still being rolled out: the older rollout is aborted, and its devices go back first.</summary>
    private async Task SupersedeAsync(string model, string version)
    {
        if (_rollouts.TryGetValue(model, out var id) && await grains.GetGrain<IRolloutGrain>(id).GetStatusAsync() is { Phase: RolloutPhase.Running or RolloutPhase.Paused })
        {
            await grains.GetGrain<IRolloutGrain>(id).AbortAsync($"superseded by v{version}");
        }
    }

    /// <summary>Drops the oldest finished runs past <see cref="Remembered"/>, so a silo that retrains for months does not grow.</summary>
    private void Forget()
    {
        foreach (var old in _runs.Values.Where(static r => r.State != TrainingStates.Running).OrderByDescending(static r => r.StartedAt).Skip(Remembered))
        {
            _runs.TryRemove(old.RunId, out _);
        }
    }

    /// <summary>Reports where it is reported, not later on the thread pool as Progress does, so no step lands after the verdict.</summary>
    private sealed class RunProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    private void Update(string runId, Func<TrainingStatus, TrainingStatus> change) => _runs.AddOrUpdate(runId, _ => throw new KeyNotFoundException(runId), (_, s) => change(s));

    [LoggerMessage(Level = LogLevel.Information, Message = "Training run {RunId}: {Verdict}")]
    private partial void LogFinished(string runId, string verdict);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training run {RunId} failed")]
    private partial void LogFailed(Exception exception, string runId);
}

/// <summary>What <c>POST /api/training</c> asks for; everything but the model has a default, from <c>Learning:Training</c>.</summary>
/// <param name="Model">The model to retrain.</param>
/// <param name="HoldoutFraction">The share of kept samples held out (0.2).</param>
/// <param name="MinImprovement">How much the candidate's accuracy on recent traffic must beat the active version's (0.01).</param>
/// <param name="MinSamples">Training samples needed to try (50).</param>
/// <param name="Rollout">Whether a registered candidate is rolled out at once (true).</param>
/// <param name="RolloutTags">Roll out to the devices with these tags only; unset means every known device.</param>
/// <param name="MinEvaluationSamples">Labelled evaluation samples of recent traffic needed to judge the candidate (100); 0 judges on the holdout instead.</param>
/// <param name="MaxLabelDrop">How far any label's F1 on recent traffic may fall (0.05).</param>
/// <param name="RegressionMargin">How far accuracy on the active version's regression set may fall (0.05).</param>
/// <param name="ReplayRatio">Rows of the active version's training data replayed per new training sample (8 for an image model, 2 for a sensor model).</param>
public sealed record TrainingStart(
    string Model,
    double? HoldoutFraction = null,
    double? MinImprovement = null,
    int? MinSamples = null,
    bool? Rollout = null,
    IReadOnlyDictionary<string, string>? RolloutTags = null,
    int? MinEvaluationSamples = null,
    double? MaxLabelDrop = null,
    double? RegressionMargin = null,
    double? ReplayRatio = null)
{
    /// <summary>What is wrong with the request, or null when every value it gives is in range.</summary>
    public string? Validate() =>
        HoldoutFraction is <= 0 or >= 1 ? "holdoutFraction is a share between 0 and 1, such as 0.2"
        : MinImprovement is < 0 or > 1 ? "minImprovement is between 0 and 1, such as 0.01 for one point"
        : MinSamples is < 1 ? "minSamples is at least 1"
        : MinEvaluationSamples is < 0 ? "minEvaluationSamples is 0 or more"
        : MaxLabelDrop is < 0 or > 1 ? "maxLabelDrop is between 0 and 1"
        : RegressionMargin is < 0 or > 1 ? "regressionMargin is between 0 and 1"
        : ReplayRatio is < 0 or > 100 ? "replayRatio is between 0 and 100"
        : null;
}

/// <summary>Where a training run stands.</summary>
public sealed record TrainingStatus(string RunId, string Model, string State, string Progress, TrainingOutcome? Outcome, string? Rollout, DateTimeOffset? StartedAt = null);

public static class TrainingStates
{
    public const string Running = "running";
    public const string Registered = "registered";
    public const string Refused = "refused";
    public const string Failed = "failed";
}

using System.Collections.Concurrent;
using System.Globalization;
using IotAi.Learning;
using IotAi.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Learning;

/// <summary>
/// Starts training runs without anyone asking, only with a reason: the model's answers drift (<see cref="ConfidenceDrift"/>),
/// its live accuracy falls (<see cref="LiveAccuracy"/>), or enough new labelled samples have come while it answers
/// measurably worse than its best; or on a schedule an operator set. Never more often than the minimum interval, and
/// never while the version its last run registered is still being rolled out.
/// It remembers the last runs it started and why, so a watcher (the demo's live view) can follow them through
/// <see cref="TrainingService.Find"/>.
/// </summary>
public sealed partial class TrainingTriggers(
    TrainingService training,
    FileSampleStore samples,
    DatasetStore datasets,
    ConfidenceDrift drift,
    LiveAccuracy accuracy,
    LearningTelemetry telemetry,
    ModelRegistry registry,
    IOptions<TrainingOptions> options,
    TimeProvider clock,
    ILogger<TrainingTriggers> logger) : BackgroundService
{
    private const int RunsKept = 100;

    private readonly Dictionary<string, DateTimeOffset> _lastStarted = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TriggeredRun> _started = new();

    // Held so the drift gauge is published as long as the triggers that act on it run.
    private readonly LearningTelemetry _telemetry = telemetry;

    /// <summary>The runs the triggers started, oldest first, at most the last hundred.</summary>
    public IReadOnlyList<TriggeredRun> Started => [.. _started];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.CheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var model in registry.List().Where(static m => m.State == ModelState.Active).Select(static m => m.Name).Distinct())
                {
                    await CheckAsync(model, settings);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(string model, TrainingOptions settings)
    {
        if (await training.RollingOutAsync(model))
        {
            // The version it is rolling out has yet to answer the traffic the next run would learn from.
            return;
        }

        var now = clock.GetUtcNow();
        var latest = datasets.Latest(model);
        var reason = TriggerRules.Due(
            samples.List(model, labelled: true).Count,
            latest?.Samples.Count ?? 0,
            drift.Psi(model),
            registry.Active(model) is { } active ? accuracy.Shift(model, active.Version) : null,
            _lastStarted.TryGetValue(model, out var last) ? last : latest?.CreatedAt,
            now,
            settings);
        if (reason is null)
        {
            return;
        }

        try
        {
            var status = training.Start(new TrainingStart(model, Rollout: settings.Rollout));
            _lastStarted[model] = now;
            _started.Enqueue(new TriggeredRun(status.RunId, model, reason, now));
            while (_started.Count > RunsKept)
            {
                _started.TryDequeue(out _);
            }

            LogTriggered(status.RunId, reason);
        }
        catch (InvalidOperationException ex)
        {
            LogBusy(model, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started training run {RunId}: {Reason}")]
    private partial void LogTriggered(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A trigger for {Model} waits: {Reason}")]
    private partial void LogBusy(string model, string reason);
}

/// <summary>A run a trigger started: which, for which model, why and when.</summary>
public sealed record TriggeredRun(string RunId, string Model, string Reason, DateTimeOffset StartedAt);

/// <summary>Whether a model is due for retraining, and why. Pure, so every trigger is tested on its own.</summary>
internal static class TriggerRules
{
    /// <summary>How many standard errors a fall in live accuracy must clear to count: chance alone gives that about once in seven hundred windows.</summary>
    public const double MinZ = 3;

    /// <param name="labelled">Labelled samples kept now.</param>
    /// <param name="labelledAtLastRun">Labelled samples in the last run's snapshot.</param>
    /// <param name="psi">The model's latest confidence drift, if measured.</param>
    /// <param name="accuracy">The serving version's live accuracy now against the model's best, if measured.</param>
    /// <param name="lastRun">When the last run started, if ever.</param>
    /// <param name="now">Now.</param>
    /// <param name="options">The triggers' settings.</param>
    public static string? Due(int labelled, int labelledAtLastRun, double? psi, AccuracyShift? accuracy, DateTimeOffset? lastRun, DateTimeOffset now, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (lastRun is { } last && now - last < options.MinInterval)
        {
            return null;
        }

        if (options.DriftPsi is { } limit && psi > limit && labelled >= options.MinSamples)
        {
            return Say($"confidence drift: PSI {psi:F2} above {limit:F2}");
        }

        if (options.AccuracyDrop is { } drop && accuracy is { } fell && fell.IsWorseBy(drop, MinZ) && labelled >= options.MinSamples)
        {
            return Say($"live accuracy of v{fell.Version} fell to {fell.Now.Accuracy:P1} of {fell.Now.Graded} answers, from {fell.Best.Accuracy:P1} (v{fell.BestVersion} at its start)");
        }

        if (options.AfterNewLabels is { } enough && labelled - labelledAtLastRun >= enough && accuracy is { } worse && worse.IsWorseBy(options.MinAccuracyDrop, MinZ))
        {
            return Say($"{labelled - labelledAtLastRun} new labelled samples, and v{worse.Version} answers {worse.Now.Accuracy:P1} of recent traffic right against {worse.Best.Accuracy:P1} at best (v{worse.BestVersion})");
        }

        if (options.Every is { } every && (lastRun is null || now - lastRun >= every))
        {
            return "schedule";
        }

        return null;
    }

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

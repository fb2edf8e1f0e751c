using System.Collections.Concurrent;
using System.Globalization;
using IotAi.Learning;
using IotAi.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Training;

/// <summary>
/// Starts training runs without anyone asking: when enough new labelled samples have come, when the model's
/// answers drift (<see cref="ConfidenceDrift"/>), or on a schedule; never more often than the minimum interval.
/// It remembers the last runs it started and why, so a watcher (the demo's live view) can follow them through
/// <see cref="TrainingService.Find"/>.
/// </summary>
public sealed partial class TrainingTriggers(
    TrainingService training,
    FileSampleStore samples,
    DatasetStore datasets,
    ConfidenceDrift drift,
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
                    Check(model, settings);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Check(string model, TrainingOptions settings)
    {
        var now = clock.GetUtcNow();
        var reason = TriggerRules.Due(
            samples.List(model, labelled: true).Count,
            datasets.Latest(model)?.Samples.Count ?? 0,
            drift.Psi(model),
            _lastStarted.TryGetValue(model, out var last) ? last : datasets.Latest(model)?.CreatedAt,
            now,
            settings);
        if (reason is null)
        {
            return;
        }

        try
        {
            var status = training.Start(new TrainingStart(model, MinImprovement: settings.MinImprovement, MinSamples: settings.MinSamples, Rollout: settings.Rollout));
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
public static class TriggerRules
{
    /// <param name="labelled">Labelled samples kept now.</param>
    /// <param name="labelledAtLastRun">Labelled samples in the last run's snapshot.</param>
    /// <param name="psi">The model's latest confidence drift, if measured.</param>
    /// <param name="lastRun">When the last run started, if ever.</param>
    /// <param name="now">Now.</param>
    /// <param name="options">The triggers' settings.</param>
    public static string? Due(int labelled, int labelledAtLastRun, double? psi, DateTimeOffset? lastRun, DateTimeOffset now, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (lastRun is { } last && now - last < options.MinInterval)
        {
            return null;
        }

        if (options.AfterNewLabels is { } enough && labelled - labelledAtLastRun >= enough)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{labelled - labelledAtLastRun} new labelled samples");
        }

        if (options.DriftPsi is { } limit && psi > limit && labelled >= options.MinSamples)
        {
            return string.Create(CultureInfo.InvariantCulture, $"confidence drift: PSI {psi:F2} above {limit:F2}");
        }

        if (options.Every is { } every && (lastRun is null || now - lastRun >= every))
        {
            return "schedule";
        }

        return null;
    }
}

using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains.Rollouts;

/// <summary>
/// The rollout's gates: failures, activation, then the quality of the stage's answers against the version before, as the
/// devices that run models report it and as the trial on devices the cloud serves finds it live.
/// </summary>
public sealed partial class RolloutGrain
{
    /// <summary>Quality is judged at most this often, since judging asks every device of the stage.</summary>
    private static readonly TimeSpan QualityInterval = TimeSpan.FromSeconds(5);

    private DateTimeOffset _qualityJudged = DateTimeOffset.MinValue;

    /// <summary>Moves to the next stage, completes, or rolls back, as the current stage's gates say.</summary>
    private async Task CheckGatesAsync(List<string> stage)
    {
        var plan = State.Plan!;
        var name = plan.Stages[State.Stage].Name;
        var (activation, failure) = Rates(stage);
        if (failure > plan.Gates.MaxFailureRate)
        {
            BeginRollback($"stage {name}: {failure:P0} of its devices failed, more than the {plan.Gates.MaxFailureRate:P0} allowed");
            return;
        }

        if (stage.All(d => State.Devices.GetValueOrDefault(d) is ModelUpdateStates.Active or ModelUpdateStates.Failed or CloudServed))
        {
            if (activation < plan.Gates.MinActivationRate)
            {
                BeginRollback($"stage {name}: {activation:P0} of its devices run the version, less than the {plan.Gates.MinActivationRate:P0} required");
                return;
            }

            var quality = await JudgeQualityAsync(stage);
            var live = JudgeLive();
            if (quality == QualityOutcome.Failed)
            {
                BeginRollback($"stage {name}: {State.Quality!.Summary}");
                return;
            }

            if (live == QualityOutcome.Failed)
            {
                BeginRollback($"stage {name}: {State.LiveVerdict!.Summary}");
                return;
            }

            if (quality == QualityOutcome.Passed && live == QualityOutcome.Passed)
            {
                NextStage();
                return;
            }
        }

        if (clock.GetUtcNow() - State.StageStarted > plan.Gates.StageTimeout)
        {
            var waiting = State.Quality is { Outcome: QualityOutcome.Waiting } verdict ? $"; it had {verdict.Summary}"
                : State.LiveVerdict is { Outcome: QualityOutcome.Waiting } live ? $"; it had {live.Summary}"
                : "";
            BeginRollback($"stage {name} did not finish within {plan.Gates.StageTimeout}{waiting}");
        }
    }

    private void NextStage()
    {
        var plan = State.Plan!;
        if (State.Stage == plan.Stages.Count - 1)
        {
            State.Phase = RolloutPhase.Completed;
            LogCompleted(Id, plan.Model, plan.Version);
            PromoteIfWholeFleet(plan);
            return;
        }

        State.Stage++;
        State.StageStarted = clock.GetUtcNow();
        State.Quality = null;
        _qualityJudged = DateTimeOffset.MinValue;
    }

    /// <summary>
    /// Sums what the stage's devices report of the new version and of the version each ran before, and judges
    /// one against the other; without quality gates every stage passes.
    /// </summary>
    private async Task<QualityOutcome> JudgeQualityAsync(List<string> stage)
    {
        var plan = State.Plan!;
        if (plan.Gates.Quality is not { } gates)
        {
            return QualityOutcome.Passed;
        }

        if (State.Quality is { } last && clock.GetUtcNow() - _qualityJudged < QualityInterval)
        {
            return last.Outcome;
        }

        var candidate = QualityStats.Empty;
        var baseline = QualityStats.Empty;
        foreach (var deviceId in stage.Where(d => State.Devices.GetValueOrDefault(d) == ModelUpdateStates.Active))
        {
            var previous = State.Previous.GetValueOrDefault(deviceId);
            foreach (var version in await GrainFactory.GetGrain<IDeviceGrain>(deviceId).GetModelQualityAsync(plan.Model))
            {
                if (version.Version == plan.Version)
                {
                    candidate = candidate.Add(version.Stats);
                }
                else if (version.Version == previous)
                {
                    baseline = baseline.Add(version.Stats);
                }
            }
        }

        State.Quality = gates.Judge(candidate, baseline);
        _qualityJudged = clock.GetUtcNow();
        return State.Quality.Outcome;
    }

    /// <summary>
    /// Judges the version on what the trial on devices the cloud serves found, summed over the rollout: every device in the
    /// target shadows or answers from the start, so each stage is judged on all the labelled traffic seen so far. Waits
    /// until every target device has been looked at; passes when no device the cloud serves is in the rollout.
    /// </summary>
    private QualityOutcome JudgeLive()
    {
        var plan = State.Plan!;
        if (State.Scanned < State.Targets.Count)
        {
            return QualityOutcome.Waiting;
        }

        if (plan.Gates.Quality is not { } gates || State.CloudDevices.Count == 0 || State.Baseline is not { } baseline)
        {
            return QualityOutcome.Passed;
        }

        State.LiveVerdict = gates.JudgeLive(State.Live, plan.Version, baseline, clock.GetUtcNow() - State.Started);
        return State.LiveVerdict.Outcome;
    }

    /// <summary>
    /// Devices that take no models follow the cloud's active version; once the whole fleet runs this version, the
    /// cloud answers with it too, so those devices, and escalations from the rest, get the version the fleet runs.
    /// A rollout to some devices only (by id, tag or share) leaves the active version alone.
    /// </summary>
    private void PromoteIfWholeFleet(RolloutPlan plan)
    {
        if (!IsWholeFleet(plan) || registry.Active(plan.Model)?.Version == plan.Version)
        {
            return;
        }

        try
        {
            registry.Promote(plan.Model, plan.Version);
            LogPromoted(Id, plan.Model, plan.Version);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or IOException)
        {
            // Deleted or refused meanwhile: the devices keep the version; the cloud keeps what it had.
            LogPromotionFailed(ex, Id, plan.Model, plan.Version);
        }
    }

    /// <summary>A rollout to every known device: no device ids, no tags, all of them.</summary>
    private static bool IsWholeFleet(RolloutPlan plan) => plan.Target is { DeviceIds: null or { Count: 0 }, Tags: null or { Count: 0 }, Percentage: 100 };

    private (double Activation, double Failure) Rates(List<string> stage)
    {
        var active = stage.Count(d => State.Devices.GetValueOrDefault(d) is ModelUpdateStates.Active or CloudServed);
        var failed = stage.Count(d => State.Devices.GetValueOrDefault(d) == ModelUpdateStates.Failed);
        return stage.Count == 0 ? (0, 0) : ((double)active / stage.Count, (double)failed / stage.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout} of {Model} {Version} completed")]
    private partial void LogCompleted(string rollout, string model, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout} completed for the whole fleet: {Model} {Version} is now the active version")]
    private partial void LogPromoted(string rollout, string model, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {Rollout} could not make {Model} {Version} the active version")]
    private partial void LogPromotionFailed(Exception exception, string rollout, string model, string version);
}

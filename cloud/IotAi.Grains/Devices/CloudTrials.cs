using IotAi.Grains.Rollouts;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains.Devices;

/// <summary>
/// The device's part in rollouts when the cloud serves it. Such a device runs no model of its own, so a rollout cannot
/// wait for it to report a version; instead it tries the candidate here, on the device's live traffic: the candidate
/// answers the device (in a stage the rollout has reached) or shadows the version that does, and on every uplink whose truth
/// came with it both are graded. The pairs are added up here and told to the rollout, which judges its stages on them.
/// </summary>
internal sealed partial class CloudTrials(DeviceActivation device, IModelHost models, LiveAccuracy accuracy, ILogger logger)
{
    /// <summary>A rollout hears of a device's pairs once this many have gathered, or after <see cref="TallyEvery"/>.</summary>
    private const int TallyPairs = 16;

    private static readonly TimeSpan TallyEvery = TimeSpan.FromSeconds(1);

    /// <summary>What each trial's rollout has not heard yet, by model name; lost with the activation, as a sample would be.</summary>
    private readonly Dictionary<string, LiveTally> _untold = new(StringComparer.Ordinal);
    private long _toldAt;

    private DeviceState State => device.State;

    /// <summary>Has the device take part in a rollout's trial; false when there is nothing to compare, so nothing changed.</summary>
    public bool Join(string model, string rolloutId, string candidate, bool answering)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rolloutId);
        ArgumentNullException.ThrowIfNull(candidate);
        var baseline = State.Trials.TryGetValue(model, out var trial) && trial.RolloutId == rolloutId
            ? trial.Baseline
            : State.CloudVersions.GetValueOrDefault(model) ?? models.Active(model)?.Manifest.Version;
        if (baseline is null || baseline == candidate)
        {
            // Nothing answers the device with this model yet, or the candidate already does: there is nothing to compare.
            return false;
        }

        State.Trials[model] = new CloudTrial(rolloutId, candidate, baseline, answering);
        return true;
    }

    /// <summary>Ends the device's trial of <paramref name="model"/> by <paramref name="rolloutId"/>; false when it takes no part.</summary>
    public bool End(string model, string rolloutId, TrialEnd ending)
    {
        if (!State.Trials.TryGetValue(model, out var trial) || trial.RolloutId != rolloutId)
        {
            return false;
        }

        TellRollout(model, trial, force: true);
        State.Trials.Remove(model);
        if (ending != TrialEnd.RolledBack)
        {
            // Kept: the candidate goes on answering this device. Promoted: it does until this silo serves it as the active version.
            State.CloudVersions[model] = trial.Candidate;
        }

        return true;
    }

    /// <summary>
    /// The version that answers this uplink in place of the active one the silo routed it to, and the trial it belongs to:
    /// a version a rollout left the device on, or the side of a trial the device is on.
    /// </summary>
    public async ValueTask<(LoadedModel Answering, TrialRun? Trial)> ServingAsync(LoadedModel routed)
    {
        var name = routed.Manifest.Name;
        var answering = routed;
        if (State.CloudVersions.TryGetValue(name, out var pinned))
        {
            if (pinned != routed.Manifest.Version && await TryLoadAsync(name, pinned) is { } loaded)
            {
                answering = loaded;
            }
            else
            {
                // This silo now serves the pinned version as the active one, or the version is gone: the active one answers.
                State.CloudVersions.Remove(name);
            }
        }

        if (!State.Trials.TryGetValue(name, out var trial))
        {
            return (answering, null);
        }

        var candidate = await TryLoadAsync(name, trial.Candidate);
        var baseline = trial.Baseline == answering.Manifest.Version ? answering : await TryLoadAsync(name, trial.Baseline);
        if (candidate is null)
        {
            // A candidate that will not load fails every uplink it is given, and says so to the rollout; the device is answered as before.
            _untold[name] = (_untold.GetValueOrDefault(name) ?? LiveTally.Empty).Count(failed: true);
            TellRollout(name, trial, force: false);
            return (answering, null);
        }

        if (baseline is null || !ReadsAlike(candidate.Manifest, baseline.Manifest))
        {
            // The version it replaces is gone, or the two read the payload differently: nothing to pair.
            return (trial.Answering ? candidate : answering, null);
        }

        return (trial.Answering ? candidate : baseline, new TrialRun(trial, candidate, baseline));
    }

    /// <summary>
    /// Answers with the trial's side for this device. A candidate that fails is counted against it, and the baseline
    /// answers instead: the device is not to suffer for a version on trial.
    /// </summary>
    public async Task<(LoadedModel Model, Prediction Prediction)> AnswerAsync(TrialRun trial, Memory<float> features)
    {
        var answering = trial.Trial.Answering ? trial.Candidate : trial.Baseline;
        if (!trial.Trial.Answering)
        {
            return (answering, await answering.InferAsync(features));
        }

        try
        {
            return (answering, await answering.InferAsync(features));
        }
#pragma warning disable CA1031 // Whatever broke, it counts against the candidate; the baseline answers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogCandidateFailed(ex, device.DeviceId, answering.Manifest.Name, answering.Manifest.Version);
            trial.CandidateFailed = true;
            return (trial.Baseline, await trial.Baseline.InferAsync(features));
        }
    }

    /// <summary>
    /// Runs the side of the trial that did not answer, when the uplink's truth is known, grades both, and adds the pair to
    /// what the rollout is to hear; an uplink without truth counts only as one the candidate was given, if it answered.
    /// </summary>
    public async Task CountAsync(TrialRun trial, Memory<float> features, string answered, string? truth)
    {
        var name = trial.Candidate.Manifest.Name;
        var tally = _untold.GetValueOrDefault(name) ?? LiveTally.Empty;
        if (trial.CandidateFailed)
        {
            tally = tally.Count(failed: true);
        }
        else if (truth is null || !trial.Candidate.Manifest.Labels.Contains(truth, StringComparer.Ordinal))
        {
            tally = trial.Trial.Answering ? tally.Count(failed: false) : tally;
        }
        else
        {
            var shadow = trial.Trial.Answering ? trial.Baseline : trial.Candidate;
            string? other;
            try
            {
                var prediction = await shadow.InferAsync(features);
                other = shadow.Manifest.Labels[prediction.LabelIndex];
            }
#pragma warning disable CA1031 // A shadow that fails is counted, whatever broke; the device has its answer.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogShadowFailed(ex, device.DeviceId, shadow.Manifest.Name, shadow.Manifest.Version);
                other = null;
            }

            if (other is null)
            {
                // A candidate that fails counts against it; a baseline that fails leaves the pair out.
                tally = tally.Count(failed: !trial.Trial.Answering);
            }
            else
            {
                var (candidate, baseline) = trial.Trial.Answering ? (answered, other) : (other, answered);
                tally = tally.Count(failed: false, candidate == truth, baseline == truth);
                // The shadow's grade counts in its version's live accuracy too: both versions on the same traffic.
                accuracy.Observe(name, shadow.Manifest.Version, other == truth);
            }
        }

        _untold[name] = tally;
        TellRollout(name, trial.Trial, force: false);
    }

    /// <summary>Tells the trial's rollout what it has not heard, once enough has gathered or a while has passed (or now, with <paramref name="force"/>).</summary>
    private void TellRollout(string model, CloudTrial trial, bool force)
    {
        if (!_untold.TryGetValue(model, out var tally) || tally.IsEmpty
            || (!force && tally.Pairs < TallyPairs && device.Clock.GetElapsedTime(_toldAt) < TallyEvery))
        {
            return;
        }

        _untold.Remove(model);
        _toldAt = device.Clock.GetTimestamp();
        // One-way: the rollout's answer is nothing to wait for.
        _ = device.Grains.GetGrain<IRolloutGrain>(trial.RolloutId).TrialAnsweredAsync(device.DeviceId, tally);
    }

    /// <summary>Tells every trial's rollout what is left, as the activation goes.</summary>
    public void TellRollouts()
    {
        foreach (var (model, trial) in State.Trials)
        {
            TellRollout(model, trial, force: true);
        }
    }

    /// <summary>A version from the model host, or null when it is not registered or will not load (a bad graph is logged, not thrown at the device).</summary>
    private async ValueTask<LoadedModel?> TryLoadAsync(string name, string version)
    {
        try
        {
            return await models.GetAsync(name, version);
        }
#pragma warning disable CA1031 // Whatever keeps a version from loading, the device is answered by another.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogVersionUnavailable(ex, device.DeviceId, name, version);
            return null;
        }
    }

    private static bool ReadsAlike(ModelManifest a, ModelManifest b) =>
        a.Input == b.Input && a.InputLength == b.InputLength && a.Kind == b.Kind && Equals(a.Image, b.Image) && a.Features.SequenceEqual(b.Features, StringComparer.Ordinal);

    /// <summary>One uplink under a trial: both versions, and whether the candidate failed on it.</summary>
    internal sealed class TrialRun(CloudTrial trial, LoadedModel candidate, LoadedModel baseline)
    {
        public CloudTrial Trial { get; } = trial;

        public LoadedModel Candidate { get; } = candidate;

        public LoadedModel Baseline { get; } = baseline;

        public bool CandidateFailed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version}, on trial, failed on an uplink from {DeviceId}; the version it would replace answered")]
    private partial void LogCandidateFailed(Exception exception, string deviceId, string model, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version} would not load for {DeviceId}; another version answers it")]
    private partial void LogVersionUnavailable(Exception exception, string deviceId, string model, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version} failed while shadowing an uplink from {DeviceId}")]
    private partial void LogShadowFailed(Exception exception, string deviceId, string model, string version);
}

using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace IotAi.Grains.Rollouts;

/// <summary>
/// Drives one rollout on a one-second tick: offers the version to the current stage's devices, no more at
/// once than the download limit, and checks the stage's gates; a failed gate, a stage that times out, or an
/// abort turns it around, offering every device it touched the version it ran before. A device that runs no
/// model of its own is answered by the cloud: the rollout puts it on trial (<see cref="CloudTrial"/>), shadowing the
/// version that answers it until its stage is reached, answering it from then on, and judges the stages on what the
/// trial finds live. A rollout to the whole fleet that completes promotes its version: from then on the cloud answers
/// with the version the fleet runs.
/// </summary>
public sealed partial class RolloutGrain(
    [PersistentState("rollout", DeviceGrain.StorageName)] IPersistentState<RolloutState> rollout,
    ModelRegistry registry,
    TimeProvider clock,
    RolloutTelemetry telemetry,
    ILogger<RolloutGrain> logger) : Grain, IRolloutGrain
{
    public const string RollingBack = "rollingBack";
    public const string RolledBackState = "rolledBack";

    /// <summary>A device that takes no models (it reports <c>ota: none</c>): the cloud answers it, so there is nothing to wait for.</summary>
    public const string CloudServed = "cloud";

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>A device that has not answered an offer at all after this long is offered again: the offer may have been lost.</summary>
    private static readonly TimeSpan Reoffer = TimeSpan.FromSeconds(30);

    /// <summary>How many target devices a tick looks at for devices the cloud serves, so a large fleet joins the trial over a few ticks.</summary>
    private const int ScanBatch = 250;
    private IGrainTimer? _timer;

    private RolloutState State => rollout.State;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureTicking();
        if (State.Plan is not null)
        {
            Status();
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        telemetry.Forget(Id);
        return Task.CompletedTask;
    }

    public async Task<RolloutStatus> StartAsync(RolloutPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (State.Plan is not null)
        {
            throw new InvalidOperationException($"Rollout {Id} has already started.");
        }

        plan.Validate();
        var targets = await TargetsAsync(plan.Target);
        if (targets.Count == 0)
        {
            throw new ArgumentException("The rollout's target matches no device.");
        }

        State.Plan = plan;
        State.Targets = targets;
        State.Phase = RolloutPhase.Running;
        State.StageStarted = State.Started = clock.GetUtcNow();
        State.Baseline = registry.Active(plan.Model)?.Version;
        await rollout.WriteStateAsync();
        await GrainFactory.GetGrain<IRolloutIndexGrain>(0).AddAsync(Id);
        LogStarted(Id, plan.Model, plan.Version, targets.Count);
        EnsureTicking();
        return Status();
    }

    public Task<RolloutStatus?> GetStatusAsync() => Task.FromResult(State.Plan is null ? null : Status());

    public async Task<RolloutStatus> PauseAsync() => await MoveAsync(RolloutPhase.Running, RolloutPhase.Paused);

    public async Task<RolloutStatus> ResumeAsync()
    {
        var status = await MoveAsync(RolloutPhase.Paused, RolloutPhase.Running);
        EnsureTicking();
        return status;
    }

    public async Task<RolloutStatus> AbortAsync(string reason)
    {
        Require();
        if (State.Phase is RolloutPhase.Running or RolloutPhase.Paused)
        {
            State.Aborted = true;
            BeginRollback($"aborted: {reason}");
            await rollout.WriteStateAsync();
            EnsureTicking();
        }

        return Status();
    }

    public Task WakeAsync()
    {
        EnsureTicking();
        return Task.CompletedTask;
    }

    public Task TrialAnsweredAsync(string deviceId, LiveTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        if (State.Phase is RolloutPhase.Running or RolloutPhase.Paused && State.CloudDevices.ContainsKey(deviceId))
        {
            // Kept with the next write of the state, a tick away at most.
            State.Live = State.Live.Add(tally);
        }

        return Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (!_caughtUp && State.Phase is RolloutPhase.Running or RolloutPhase.RollingBack)
        {
            await CatchUpAsync();
        }

        var before = (State.Phase, State.Stage, State.Devices.Count, State.CloudDevices.Count, State.Scanned, State.Live);
        switch (State.Phase)
        {
            case RolloutPhase.Running:
                await AdvanceAsync();
                break;
            case RolloutPhase.RollingBack:
                await RollBackAsync();
                break;
            default:
                _timer?.Dispose();
                _timer = null;
                return;
        }

        if (_reportsUnwritten || before != (State.Phase, State.Stage, State.Devices.Count, State.CloudDevices.Count, State.Scanned, State.Live))
        {
            // Cleared before the write: a report that lands while it runs needs the next one.
            _reportsUnwritten = false;
            try
            {
                await rollout.WriteStateAsync(cancellationToken);
            }
            catch
            {
                _reportsUnwritten = true;
                throw;
            }
        }

        Status();
    }

    private async Task AdvanceAsync()
    {
        var plan = State.Plan!;
        var stage = StageDevices();
        await FindCloudDevicesAsync(stage.Count);
        var inFlight = State.Devices.Values.Count(static s => s is ModelUpdateStates.Offered or ModelUpdateStates.Downloading or ModelUpdateStates.Verified);
        foreach (var deviceId in stage.Where(d => !State.Devices.ContainsKey(d)))
        {
            if (inFlight >= plan.MaxConcurrentDownloads)
            {
                break;
            }

            var device = GrainFactory.GetGrain<IDeviceGrain>(deviceId);
            var twin = await device.GetTwinAsync();
            if (twin.Reported.GetValueOrDefault(ReportedProperties.Ota) == ReportedProperties.NoModelUpdates)
            {
                // Nothing to download: its stage reached, the version answers it.
                State.Devices[deviceId] = CloudServed;
                if (!State.CloudDevices.GetValueOrDefault(deviceId))
                {
                    await device.JoinTrialAsync(plan.Model, Id, plan.Version, answering: true);
                    State.CloudDevices[deviceId] = true;
                }

                continue;
            }

            var running = twin.ModelUpdates.GetValueOrDefault(plan.Model);
            var previous = running?.State == ModelUpdateStates.Active ? running.Version : null;
            State.Previous[deviceId] = previous;
            if (previous == plan.Version)
            {
                State.Devices[deviceId] = ModelUpdateStates.Active;
                continue;
            }

            State.Devices[deviceId] = ModelUpdateStates.Offered;
            State.OfferedAt[deviceId] = clock.GetUtcNow();
            await device.OfferModelAsync(plan.Model, plan.Version, Id);
            inFlight++;
        }

        foreach (var deviceId in stage.Where(d => State.Devices.GetValueOrDefault(d) == ModelUpdateStates.Offered
            && clock.GetUtcNow() - State.OfferedAt.GetValueOrDefault(d) > Reoffer))
        {
            State.OfferedAt[deviceId] = clock.GetUtcNow();
            await GrainFactory.GetGrain<IDeviceGrain>(deviceId).OfferModelAsync(plan.Model, plan.Version, Id);
        }

        await CheckGatesAsync(stage);
        if (State.Phase == RolloutPhase.Completed)
        {
            await EndTrialsAsync(IsWholeFleet(plan) ? TrialEnd.Promoted : TrialEnd.Kept);
        }
    }

    /// <summary>
    /// Looks at the next batch of target devices for those the cloud serves, and puts each on trial: answering if its
    /// stage has been reached, else shadowing, so the whole target's labelled traffic judges the version from the start.
    /// </summary>
    private async Task FindCloudDevicesAsync(int reached)
    {
        var plan = State.Plan!;
        var end = Math.Min(State.Targets.Count, State.Scanned + ScanBatch);
        for (var i = State.Scanned; i < end; i++)
        {
            var deviceId = State.Targets[i];
            var device = GrainFactory.GetGrain<IDeviceGrain>(deviceId);
            if (!State.CloudDevices.ContainsKey(deviceId)
                && (await device.GetTwinAsync()).Reported.GetValueOrDefault(ReportedProperties.Ota) == ReportedProperties.NoModelUpdates)
            {
                await device.JoinTrialAsync(plan.Model, Id, plan.Version, answering: i < reached);
                State.CloudDevices[deviceId] = i < reached;
            }
        }

        State.Scanned = end;
    }

    /// <summary>Ends the trial on every device the cloud serves in the rollout, as <paramref name="ending"/> says.</summary>
    private async Task EndTrialsAsync(TrialEnd ending)
    {
        foreach (var deviceId in State.CloudDevices.Keys)
        {
            await GrainFactory.GetGrain<IDeviceGrain>(deviceId).EndTrialAsync(State.Plan!.Model, Id, ending);
        }

        State.CloudDevices.Clear();
    }

    private async Task RollBackAsync()
    {
        var plan = State.Plan!;
        await EndTrialsAsync(TrialEnd.RolledBack);
        var pending = 0;
        foreach (var (deviceId, state) in State.Devices.ToList())
        {
            if (state == RolledBackState || State.Previous.GetValueOrDefault(deviceId) is not { } previous)
            {
                continue;
            }

            pending++;
            if (state != RollingBack)
            {
                State.Devices[deviceId] = RollingBack;
                await GrainFactory.GetGrain<IDeviceGrain>(deviceId).OfferModelAsync(plan.Model, previous, Id);
            }
        }

        if (pending == 0 || State.Devices.Values.All(static s => s != RollingBack))
        {
            State.Phase = State.Aborted ? RolloutPhase.Aborted : RolloutPhase.RolledBack;
            LogRolledBack(Id, plan.Model, plan.Version, State.Reason ?? "");
        }
    }

    private void BeginRollback(string reason)
    {
        State.Phase = RolloutPhase.RollingBack;
        State.Reason = reason;
        LogRollingBack(Id, State.Plan!.Model, State.Plan.Version, reason);
    }

    private List<string> StageDevices()
    {
        var share = State.Plan!.Stages[State.Stage].Percent / 100;
        return [.. State.Targets.Take((int)Math.Ceiling(State.Targets.Count * share))];
    }

    private async Task<List<string>> TargetsAsync(RolloutTarget target)
    {
        var devices = target.DeviceIds is { Count: > 0 } ids
            ? ids.Where(id => DeviceTopics.IsValidDeviceId(id)).Distinct(StringComparer.Ordinal).ToList()
            : [.. await GrainFactory.GetGrain<IDeviceDirectoryGrain>(0).FindAsync(target.Tags ?? new Dictionary<string, string>())];

        // A stable order that does not follow the ids' names, so a canary is not always the same few sites.
        devices.Sort((a, b) => string.CompareOrdinal(Hash(a), Hash(b)));
        return [.. devices.Take((int)Math.Ceiling(devices.Count * target.Percentage / 100))];

        static string Hash(string id) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)));
    }

    private async Task<RolloutStatus> MoveAsync(RolloutPhase from, RolloutPhase to)
    {
        Require();
        if (State.Phase == from)
        {
            State.Phase = to;
            await rollout.WriteStateAsync();
        }

        return Status();
    }

    private void Require()
    {
        if (State.Plan is null)
        {
            throw new KeyNotFoundException($"There is no rollout {Id}.");
        }
    }

    private void EnsureTicking()
    {
        if (_timer is null && State.Phase is RolloutPhase.Running or RolloutPhase.RollingBack && State.Plan is not null)
        {
            _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Tick) { KeepAlive = true });
        }
    }

    /// <summary>Where the rollout stands, shown on this silo's rollout gauges too.</summary>
    private RolloutStatus Status()
    {
        var (activation, failure) = State.Phase == RolloutPhase.Running || State.Phase == RolloutPhase.Paused ? Rates(StageDevices()) : (0, 0);
        var counts = State.Devices.Values.GroupBy(static s => s).ToDictionary(static g => g.Key, static g => g.Count());
        var status = new RolloutStatus(Id, State.Plan!, State.Phase, State.Stage, State.Targets.Count, counts, activation, failure, State.Reason, State.Quality, State.LiveVerdict);
        telemetry.Observe(status);
        return status;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout} of {Model} {Version} started for {Devices} devices")]
    private partial void LogStarted(string rollout, string model, string version, int devices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {Rollout} of {Model} {Version} is rolling back: {Reason}")]
    private partial void LogRollingBack(string rollout, string model, string version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {Rollout} of {Model} {Version} rolled back: {Reason}")]
    private partial void LogRolledBack(string rollout, string model, string version, string reason);
}

using IotAi.Protocol;

namespace IotAi.Grains.Rollouts;

/// <summary>The rollout's part in hearing its devices: the reports they send, and catching up with those it missed.</summary>
public sealed partial class RolloutGrain
{
    /// <summary>Device reports taken since the state was last written; the next tick writes them.</summary>
    private bool _reportsUnwritten;

    /// <summary>Whether this activation has caught up with what its devices reported while no activation kept it.</summary>
    private bool _caughtUp;

    /// <remarks>
    /// Kept with the next write of the state, a tick away at most, not written at once: the state holds every target
    /// device, so a write per report made a rollout to N devices cost N² (a tenth of a silo's CPU serving a 5 MiB model
    /// to 1,000 devices). A report the write never took (a silo lost in between) is read back from the device's twin by
    /// the next activation (<see cref="CatchUpAsync"/>), as is one lost on its one-way call.
    /// </remarks>
    public Task DeviceReportedAsync(string deviceId, string version, string state, string? reason)
    {
        var plan = State.Plan;
        if (plan is null || !State.Devices.TryGetValue(deviceId, out var current))
        {
            return Task.CompletedTask;
        }

        if (current == RollingBack)
        {
            if (version == State.Previous.GetValueOrDefault(deviceId) && state == ModelUpdateStates.Active)
            {
                State.Devices[deviceId] = RolledBackState;
                _reportsUnwritten = true;
            }

            return Task.CompletedTask;
        }

        if (version == plan.Version && current != state)
        {
            State.Devices[deviceId] = state;
            _reportsUnwritten = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads where each device still under way stands from its twin, once per activation: reports this rollout took
    /// but had not written when its silo was lost, or never heard, are in the devices' twins.
    /// </summary>
    private async Task CatchUpAsync()
    {
        var plan = State.Plan!;
        foreach (var (deviceId, state) in State.Devices.Where(static d => d.Value is ModelUpdateStates.Offered or ModelUpdateStates.Downloading or ModelUpdateStates.Verified or RollingBack).ToList())
        {
            var twin = await GrainFactory.GetGrain<IDeviceGrain>(deviceId).GetTwinAsync();
            if (twin.ModelUpdates.GetValueOrDefault(plan.Model) is not { } update || State.Devices[deviceId] != state)
            {
                continue;
            }

            if (state == RollingBack)
            {
                if (update.State == ModelUpdateStates.Active && update.Version == State.Previous.GetValueOrDefault(deviceId))
                {
                    State.Devices[deviceId] = RolledBackState;
                    _reportsUnwritten = true;
                }
            }
            else if (update.Version == plan.Version && update.State != state)
            {
                State.Devices[deviceId] = update.State;
                _reportsUnwritten = true;
            }
        }

        _caughtUp = true;
    }
}

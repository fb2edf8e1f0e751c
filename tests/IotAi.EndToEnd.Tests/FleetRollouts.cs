using System.Globalization;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Protocol;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Rollouts of one model of a test's own to a fleet of real agents that answer readings with it: each rollout awaited to
/// its end, and what the devices and their twins say about the versions they ran.
/// </summary>
internal sealed class FleetRollouts(GatewayHost silo, string model, IReadOnlyList<string> deviceIds, AgentFleet agents)
{
    /// <summary>A canary of a quarter of the fleet, then the rest.</summary>
    public static IReadOnlyList<RolloutStage> CanaryThenAll { get; } = [new("canary", 25), new("all", 100)];

    /// <summary>How many devices make the canary of <see cref="CanaryThenAll"/>.</summary>
    public int CanarySize => (int)Math.Ceiling(deviceIds.Count * CanaryThenAll[0].Percent / 100);

    /// <summary>Rolls <paramref name="version"/> out to the whole fleet, as rollout <c>{model}-v{version}</c>, waits for it to end, and asserts it ended <paramref name="end"/>.</summary>
    public async Task<RolloutStatus> RollOutAsync(string version, IReadOnlyList<RolloutStage> stages, RolloutGates gates, RolloutPhase end)
    {
        var rollout = silo.Grains.GetGrain<IRolloutGrain>($"{model}-v{version}");
        await rollout.StartAsync(new RolloutPlan(model, version, new RolloutTarget(deviceIds), stages, gates));
        RolloutStatus? status = null;
        await Eventually.TrueAsync(async () => (status = await rollout.GetStatusAsync())!.Phase is not (RolloutPhase.Running or RolloutPhase.RollingBack),
            () => $"the rollout of version {version} did not end: {status?.Phase}, {status?.Reason}", seconds: 180);
        Assert.True(status!.Phase == end, $"the rollout of version {version} ended {status.Phase}, not {end}: {status.Reason}");
        return status;
    }

    /// <summary>Waits until every device has reported answers of <paramref name="version"/> given after <paramref name="since"/>.</summary>
    public async Task WaitForAnswersAsync(string version, DateTimeOffset since)
    {
        foreach (var id in deviceIds)
        {
            var device = silo.Grains.GetGrain<IDeviceGrain>(id);
            await Eventually.TrueAsync(async () => (await device.GetModelQualityAsync(model)).Any(q => q.Version == version && q.At > since && q.Stats.Samples >= 10),
                $"{id} reported no answers of version {version}");
        }
    }

    /// <summary>What <paramref name="deviceId"/> last reported of <paramref name="version"/>'s answers.</summary>
    public async Task<QualityStats> QualityAsync(string deviceId, string version) =>
        (await silo.Grains.GetGrain<IDeviceGrain>(deviceId).GetModelQualityAsync(model)).Single(q => q.Version == version).Stats;

    /// <summary>
    /// Asserts what <paramref name="offers"/> recorded of a rollout of <paramref name="version"/> in <see cref="CanaryThenAll"/>
    /// that rolled back from its canary: the version was offered to <see cref="CanarySize"/> devices alone; each of them ran it (its agent
    /// activated it, and gave it readings) and then ran <paramref name="previous"/> again; no other device was offered
    /// anything; and every device runs <paramref name="previous"/> now.
    /// </summary>
    public async Task<CanaryRollback> AssertRolledBackFromCanaryAsync(RecordedOffers offers, string version, string previous)
    {
        var canary = offers.DevicesOffered(version);
        Assert.Equal(CanarySize, canary.Count);
        await Eventually.TrueAsync(() => Task.FromResult(offers.All.All(static o => o.Ended is not null)), "a device did not finish an update it was offered", seconds: 30);
        foreach (var id in canary)
        {
            Assert.Equal([$"v{version}: downloading verified active", $"v{previous}: active"], offers.To(id).Select(static o => $"v{o.Version}: {string.Join(' ', o.Steps)}"));
            var stats = await QualityAsync(id, version);
            Assert.True(stats.Samples + stats.Errors > 0, $"{id} gave version {version} no reading");
        }

        Assert.All(deviceIds.Except(canary), id => Assert.Empty(offers.To(id)));
        await AssertEveryDeviceRunsAsync(previous);
        var ran = offers.All.Where(o => o.Version == version).Max(static o => o.Ended!.Value);
        var back = offers.All.Where(o => o.Version == previous).ToList();
        var began = back.Min(static o => o.At);
        return new CanaryRollback(canary, began - ran, back.Max(static o => o.Ended!.Value) - began);
    }

    /// <summary>Asserts that every agent runs <paramref name="version"/> and that every twin says so.</summary>
    public async Task AssertEveryDeviceRunsAsync(string version)
    {
        Assert.All(agents.Agents, a => Assert.Equal(version, a.Models.Active(model)?.Manifest.Version));
        foreach (var id in deviceIds)
        {
            var update = (await silo.Grains.GetGrain<IDeviceGrain>(id).GetTwinAsync()).ModelUpdates[model];
            Assert.Equal((version, ModelUpdateStates.Active), (update.Version, update.State));
        }
    }
}

/// <summary>
/// A rollout's canary taken off its version: the devices, how long after the last of them ran the version the rollback
/// began (<paramref name="Caught"/>), and how long from then until every one of them ran the version before (<paramref name="Reverted"/>).
/// </summary>
internal sealed record CanaryRollback(IReadOnlySet<string> Canary, TimeSpan Caught, TimeSpan Reverted)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Canary.Count} canary devices ran it and went back; the rollback began {Caught.TotalSeconds:F1} s after the last of them ran it and took {Reverted.TotalMilliseconds:F0} ms");
}

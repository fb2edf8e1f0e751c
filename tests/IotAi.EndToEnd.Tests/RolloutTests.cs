using IotAi.Tests.Shared;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Staged rollouts to a fleet of 200 real edge agents on loopback: a good version reaches every device
/// stage by stage; a version that fails to load is rolled back by itself from the canary, the only devices offered it, and
/// every device ends where it was. (Versions that load, run and then fail are in <see cref="QualityRolloutTests"/>.) A fifth
/// of the fleet are small devices (<see cref="AgentFleet.SmallDevice"/>: 4 KiB packets, two messages in flight), which
/// take the same versions in chunks cut to fit them.
/// </summary>
[Collection(SiloGroup.Name)]
public sealed class RolloutTests(SiloFixture silo) : IAsyncLifetime
{
    private const int FleetSize = 200;
    private readonly string _fleet = $"fleet-{Guid.NewGuid():N}"[..14];
    private AgentFleet? _agents;

    // A model of this test's own, so its versions do not show in other tests that list the shared silo's models.
    private string Model => $"{_fleet}-model";

    private static bool IsSmall(string deviceId) => deviceId[^1] is '0' or '4';

    private IEnumerable<string> DeviceIds => Enumerable.Range(0, FleetSize).Select(i => $"{_fleet}-{i:D3}");

    public async Task InitializeAsync()
    {
        var keys = silo.Host.Services.GetRequiredService<ModelKeyring>();
        var registry = silo.Host.Services.GetRequiredService<ModelRegistry>();
        var sensor = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model }, sensor.Onnx, keys.Signer));
        _agents = await AgentFleet.StartAsync(silo.Host, DeviceIds, id => IsSmall(id) ? AgentFleet.SmallDevice : new Dictionary<string, string?>());
        foreach (var id in DeviceIds)
        {
            var device = silo.Host.Grains.GetGrain<IDeviceGrain>(id);
            await Eventually.TrueAsync(async () => (await device.GetTwinAsync()).Connected, "the fleet did not connect");
        }
    }

    [Fact]
    public async Task A_good_version_reaches_every_device_and_a_bad_one_is_rolled_back_by_itself()
    {
        var stages = new[] { new RolloutStage("canary", 5), new RolloutStage("quarter", 25), new RolloutStage("all", 100) };
        var good = silo.Host.Grains.GetGrain<IRolloutGrain>($"{_fleet}-good");
        await good.StartAsync(new RolloutPlan(Model, "1", new RolloutTarget([.. DeviceIds]), stages, RolloutGates.Default, MaxConcurrentDownloads: 40));

        var seenStages = new HashSet<int>();
        await Eventually.TrueAsync(async () =>
        {
            var status = (await good.GetStatusAsync())!;
            seenStages.Add(status.Stage);
            Assert.NotEqual(RolloutPhase.RollingBack, status.Phase);
            return status.Phase == RolloutPhase.Completed;
        }, "the good rollout did not complete");

        Assert.Equal([0, 1, 2], seenStages.Order());
        Assert.All(_agents!.Agents, a => Assert.Equal("1", a.Models.Active(Model)?.Manifest.Version));
        Assert.Equal(FleetSize, (await good.GetStatusAsync())!.Devices[ModelUpdateStates.Active]);
        Assert.Equal(FleetSize / 5, DeviceIds.Count(IsSmall));

        // Version 2 is signed and whole, but its graph is cut short: devices fetch and verify it, and none can load it.
        var keys = silo.Host.Services.GetRequiredService<ModelKeyring>();
        var registry = silo.Host.Services.GetRequiredService<ModelRegistry>();
        var v1 = registry.Open(Model, "1");
        registry.Import(ModelPackage.Create(v1.Manifest with { Version = "2" }, v1.Onnx[..(v1.Onnx.Length / 2)], keys.Signer));
        using var offers = new RecordedOffers(Model);
        var bad = silo.Host.Grains.GetGrain<IRolloutGrain>($"{_fleet}-bad");
        await bad.StartAsync(new RolloutPlan(Model, "2", new RolloutTarget([.. DeviceIds]),
            [new RolloutStage("canary", 10), new RolloutStage("all", 100)], RolloutGates.Default with { MaxFailureRate = 0.2 }, MaxConcurrentDownloads: 40));

        await Eventually.TrueAsync(async () => (await bad.GetStatusAsync())!.Phase == RolloutPhase.RolledBack, "the bad rollout did not roll back");

        var status = (await bad.GetStatusAsync())!;
        Assert.Contains("failed", status.Reason, StringComparison.Ordinal);
        Assert.Equal(0, status.Stage);

        // The canary alone was offered version 2, and each of its devices tried it, could not load it, and was told to run
        // version 1, which it still did; no other device was offered anything.
        var canary = offers.DevicesOffered("2");
        Assert.Equal(FleetSize / 10, canary.Count);
        await Eventually.TrueAsync(() => Task.FromResult(offers.All.All(static o => o.Ended is not null)), "a device did not finish an update it was offered", seconds: 30);
        Assert.All(canary, id => Assert.Equal(["downloading", "verified", "failed"], offers.To(id).Single(static o => o.Version == "2").Steps));
        Assert.All(canary, id => Assert.Equal(["active"], offers.To(id).First(static o => o.Version == "1").Steps));
        Assert.All(DeviceIds.Except(canary), id => Assert.Empty(offers.To(id)));
        Assert.All(_agents!.Agents, a => Assert.Equal("1", a.Models.Active(Model)?.Manifest.Version));
        foreach (var id in DeviceIds)
        {
            var update = (await silo.Host.Grains.GetGrain<IDeviceGrain>(id).GetTwinAsync()).ModelUpdates[Model];
            Assert.Equal(("1", ModelUpdateStates.Active), (update.Version, update.State));
        }
    }

    public async Task DisposeAsync()
    {
        if (_agents is not null)
        {
            await _agents.DisposeAsync();
        }
    }
}

using System.Text.Json;
using IotAi.Grains.Rollouts;
using IotAi.Protocol;

namespace IotAi.Grains.Tests;

/// <summary>
/// A rollout keeps device reports with its next tick's write, not one write each; reports it took but never wrote, its
/// silo lost in between, are read back from the devices' twins by its next activation.
/// </summary>
[Collection(FakeClockClusterGroup.Name)]
public sealed class RolloutCatchUpTests(FakeClockClusterFixture fixture)
{
    [Fact]
    public async Task Reports_the_rollout_never_wrote_are_read_back_from_the_devices_twins_when_it_activates_again()
    {
        var prefix = $"catchup-{Guid.NewGuid():N}"[..16];
        var devices = new[] { $"{prefix}-a", $"{prefix}-b", $"{prefix}-c" };
        var links = new List<RecordingDownlink>();
        foreach (var id in devices)
        {
            links.Add(await RecordingDownlink.ConnectAsync(fixture.Grains, id));
        }

        var rollout = fixture.Grains.GetGrain<IRolloutGrain>(prefix);
        await rollout.StartAsync(new RolloutPlan("sensor-anomaly", "1", new RolloutTarget([.. devices]), [new RolloutStage("all", 100)],
            RolloutGates.Default with { Quality = null }));
        foreach (var link in links)
        {
            Assert.Equal(DownlinkKind.ModelOffer, (await link.NextAsync()).Message.Kind);
        }

        // Two devices finish, one is still downloading; the clock stands still, so no tick writes what the rollout heard.
        await ReportAsync(devices[0], ModelUpdateStates.Active);
        await ReportAsync(devices[1], ModelUpdateStates.Active);
        await ReportAsync(devices[2], ModelUpdateStates.Downloading);
        var heard = await RolloutStatusWaits.UntilAsync(rollout, s => s.Devices.GetValueOrDefault(ModelUpdateStates.Active) == 2 && s.Devices.GetValueOrDefault(ModelUpdateStates.Downloading) == 1);
        Assert.Equal(2, heard.Devices.GetValueOrDefault(ModelUpdateStates.Active));

        // Its state on disk still says all three were offered: as if the silo had gone before the next tick.
        await fixture.Cluster.DeactivateAsync(rollout);

        var status = await RolloutStatusWaits.UntilAsync(rollout, s => s.Devices.GetValueOrDefault(ModelUpdateStates.Offered) == 0);
        Assert.Equal(2, status.Devices.GetValueOrDefault(ModelUpdateStates.Active));
        Assert.Equal(1, status.Devices.GetValueOrDefault(ModelUpdateStates.Downloading));
        Assert.Equal(RolloutPhase.Running, status.Phase);
    }

    private async Task ReportAsync(string deviceId, string state)
    {
        var reply = await fixture.Grains.GetGrain<IDeviceGrain>(deviceId).ReportModelStatusAsync(
            JsonSerializer.SerializeToUtf8Bytes(new ModelStatusReport("sensor-anomaly", "1", state), ProtocolJson.Wire.ModelStatusReport),
            DeviceTopics.ModelStatus(deviceId));
        Assert.Equal(UplinkOutcome.Accepted, reply.Outcome);
    }
}

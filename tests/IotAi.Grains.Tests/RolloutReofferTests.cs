using System.Text;
using System.Text.Json;
using IotAi.Grains.Rollouts;
using IotAi.Protocol;

namespace IotAi.Grains.Tests;

/// <summary>An offer can be lost on the way; a rollout offers the version again to a device that stays silent.</summary>
[Collection(FakeClockClusterGroup.Name)]
public sealed class RolloutReofferTests(FakeClockClusterFixture fixture)
{
    [Fact]
    public async Task A_device_silent_after_an_offer_is_offered_again_and_one_that_answered_is_not()
    {
        var prefix = $"reoffer-{Guid.NewGuid():N}"[..16];
        var (silent, silentLink) = await ConnectAsync($"{prefix}-silent");
        var (answering, answeringLink) = await ConnectAsync($"{prefix}-answering");
        var rollout = fixture.Grains.GetGrain<IRolloutGrain>(prefix);
        await rollout.StartAsync(new RolloutPlan("sensor-anomaly", "1", new RolloutTarget([silent, answering]), [new RolloutStage("all", 100)],
            RolloutGates.Default with { Quality = null }));

        Assert.Equal(DownlinkKind.ModelOffer, (await silentLink.NextAsync()).Message.Kind);
        Assert.Equal(DownlinkKind.ModelOffer, (await answeringLink.NextAsync()).Message.Kind);
        var downloading = JsonSerializer.SerializeToUtf8Bytes(new ModelStatusReport("sensor-anomaly", "1", ModelUpdateStates.Downloading), ProtocolJson.Wire.ModelStatusReport);
        await fixture.Grains.GetGrain<IDeviceGrain>(answering).ReportModelStatusAsync(downloading, DeviceTopics.ModelStatus(answering));
        // The device grain tells the rollout one-way: the clock moves only once the rollout has heard, or its next tick
        // could still count the answering device as silent.
        var heard = await RolloutStatusWaits.UntilAsync(rollout, static s => s.Devices.GetValueOrDefault(ModelUpdateStates.Downloading) == 1);
        Assert.Equal(1, heard.Devices.GetValueOrDefault(ModelUpdateStates.Downloading));

        // The rollout's timer runs on the silo's clock too, and re-arms once a tick has finished, which may be
        // just after the jump: so the clock keeps moving a second at a time until the second offer comes.
        fixture.Clock.Advance(TimeSpan.FromSeconds(31));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        for (var moved = 31; silentLink.Pending == 0 && moved < 40 && await poll.WaitForNextTickAsync(); moved++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var again = await silentLink.NextAsync();
        Assert.Equal(DownlinkKind.ModelOffer, again.Message.Kind);
        Assert.Equal("1", JsonSerializer.Deserialize(again.Message.Payload, ProtocolJson.Wire.ModelOffer)!.Version);
        // A call to the rollout runs after the tick that made the second offer, so that tick's offers are all made.
        Assert.Equal(RolloutPhase.Running, (await rollout.GetStatusAsync())!.Phase);
        Assert.Equal(0, answeringLink.Pending);
    }

    private async Task<(string Id, RecordingDownlink Downlink)> ConnectAsync(string id) => (id, await RecordingDownlink.ConnectAsync(fixture.Grains, id));
}

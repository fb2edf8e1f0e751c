namespace IotAi.EndToEnd.Tests;

public sealed class RestartTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-restart-");

    [Fact]
    public async Task A_silo_restarted_on_the_same_data_directory_keeps_twins_and_counters()
    {
        var deviceId = $"restart-{Guid.NewGuid():N}";
        await using (var first = await GatewayHost.StartAsync(_data.FullName))
        {
            await using var device = await TestDevice.ConnectAsync(first.MqttPort, deviceId);
            for (var seq = 1; seq <= 3; seq++)
            {
                Assert.True((await device.SendTelemetryAsync(seq, 45)).IsSuccess);
                await device.NextResultAsync();
            }
        }

        await using var second = await GatewayHost.StartAsync(_data.FullName);
        await using (var device = await TestDevice.ConnectAsync(second.MqttPort, deviceId))
        {
            // seq 3 was acknowledged before the restart, so it is a repeat now; seq 4 is new.
            await device.SendTelemetryAsync(3, 45);
            await device.SendTelemetryAsync(4, 45);
            Assert.Equal(4, (await device.NextResultAsync()).Seq);
        }

        var twin = await second.Grains.GetGrain<IotAi.Grains.IDeviceGrain>(deviceId).GetTwinAsync();
        Assert.Equal((4L, 1L, 4L), (twin.Counters.Telemetry, twin.Counters.Duplicates, twin.HighestSeq));
        Assert.Equal("sensor-anomaly:1", twin.ModelVersions["telemetry"]);
    }

    [Fact]
    public async Task An_unfinished_rollout_carries_on_after_the_silo_restarts()
    {
        var id = $"restart-rollout-{Guid.NewGuid():N}";
        var plan = new IotAi.Grains.Rollouts.RolloutPlan(
            "sensor-anomaly",
            "1",
            new IotAi.Grains.Rollouts.RolloutTarget([$"away-{Guid.NewGuid():N}", $"away-{Guid.NewGuid():N}"]),
            [new IotAi.Grains.Rollouts.RolloutStage("canary", 50), new IotAi.Grains.Rollouts.RolloutStage("all", 100)],
            IotAi.Grains.Rollouts.RolloutGates.Default);
        await using (var first = await GatewayHost.StartAsync(_data.FullName))
        {
            // Its devices are away, so it waits in its first stage, with one offer out.
            await first.Grains.GetGrain<IotAi.Grains.Rollouts.IRolloutGrain>(id).StartAsync(plan);
        }

        await using var second = await GatewayHost.StartAsync(_data.FullName);
        var status = await second.Grains.GetGrain<IotAi.Grains.Rollouts.IRolloutGrain>(id).GetStatusAsync();

        Assert.NotNull(status);
        Assert.Equal((IotAi.Grains.Rollouts.RolloutPhase.Running, 0, 2), (status.Phase, status.Stage, status.Targets));
        Assert.Equal(plan.Version, status.Plan.Version);
        Assert.Equal([id], (await second.Grains.GetGrain<IotAi.Grains.Rollouts.IRolloutIndexGrain>(0).ListAsync()).Where(r => r == id));
    }

    public void Dispose() => _data.Delete(recursive: true);
}

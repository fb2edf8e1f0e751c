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

    public void Dispose() => _data.Delete(recursive: true);
}

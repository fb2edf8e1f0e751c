using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Edge.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task A_normal_stop_disconnects_cleanly_and_logs_no_warnings()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("stop");
        using var logs = new RecordingLoggerProvider();
        var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["SensorInterval"] = "00:00:00.050",
            ["CameraInterval"] = "00:00:00.100",
        }, logs);
        await agent.StartAsync();
        await broker.WaitForAsync(p => p.ClientId == deviceId && p.Topic == DeviceTopics.Image(deviceId));

        await agent.DisposeAsync();

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Contains(logs.Entries, e => e.Message == $"Device {deviceId} disconnected");
    }

    [Fact]
    public async Task Stopping_while_the_broker_is_unreachable_logs_no_errors()
    {
        // A port nothing listens on: every attempt fails until the agent is stopped.
        await using var broker = await TestBroker.StartAsync();
        await broker.StopAsync();
        var deviceId = AgentHost.NewDeviceId("unreachable");
        using var logs = new RecordingLoggerProvider();
        var agent = AgentHost.Create(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.010",
        }, logs);
        await agent.StartAsync();
        await logs.WaitForAsync(m => m.StartsWith($"Device {deviceId} could not connect (attempt 3)", StringComparison.Ordinal));

        await agent.DisposeAsync();

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }
}

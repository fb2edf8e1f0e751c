namespace IotAi.Edge.Tests;

public sealed class ReconnectTests
{
    [Fact]
    public async Task The_agent_reconnects_after_the_broker_restarts_and_keeps_numbering_upwards()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("reconnect");
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.050",
        });
        await broker.WaitForAsync(p => p.ClientId == deviceId && AgentHost.SeqOf(p) >= 2);

        await broker.StopAsync();
        var lastBeforeRestart = broker.UplinksBy(deviceId).Max(AgentHost.SeqOf);
        await broker.RestartAsync();

        // Samples taken while the broker was down wait in the outbox, then go out with the next numbers.
        await broker.WaitForAsync(p => p.ClientId == deviceId && AgentHost.SeqOf(p) >= lastBeforeRestart + 3);

        var seqs = broker.UplinksBy(deviceId).Select(AgentHost.SeqOf).ToList();
        for (var i = 1; i < seqs.Count; i++)
        {
            // A resend after a lost PUBACK repeats a number, but never goes back.
            Assert.True(seqs[i] >= seqs[i - 1], $"seq went from {seqs[i - 1]} to {seqs[i]}");
        }
    }
}

using IotAi.Tests.Shared;

namespace IotAi.Edge.Tests;

/// <summary>
/// A gateway that answers Quota exceeded (its model's queue full, or the device over its rate) has not taken the reading:
/// the agent sends it again, under its number, after a pause, and none is lost.
/// </summary>
public sealed class BusyGatewayTests
{
    private const int Refusals = 10;

    [Fact]
    public async Task Readings_refused_as_busy_are_sent_again_under_their_numbers_and_none_is_lost()
    {
        await using var broker = await TestBroker.StartAsync();
        var deviceId = AgentHost.NewDeviceId("busy");
        var refusing = Refusals;
        // The first ten readings the agent sends are refused as busy: some of them on their second try too.
        broker.RefuseAsBusy = p => p.Topic.EndsWith("/up/telemetry", StringComparison.Ordinal) && Interlocked.Decrement(ref refusing) >= 0;
        await using var agent = await AgentHost.StartAsync(broker.Port, deviceId, new Dictionary<string, string?>
        {
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.005",
        });

        var wanted = Enumerable.Range(1, 60).Select(static n => (long)n).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(wanted.All(AgentHost.Readings(broker, deviceId).Select(static t => t.Seq!.Value).ToHashSet().Contains)),
            "readings refused as busy were never delivered", seconds: 60);

        var arrived = AgentHost.Readings(broker, deviceId).Select(static t => t.Seq!.Value).ToList();
        Assert.Equal(Refusals, broker.Busy);
        // Every number from the first on arrived, the refused ones sent again rather than dropped, and none twice: the
        // agent waited for the gateway's answer to each before sending it again.
        Assert.Equal(Enumerable.Range(1, arrived.Count).Select(static n => (long)n), arrived.Order());
    }
}

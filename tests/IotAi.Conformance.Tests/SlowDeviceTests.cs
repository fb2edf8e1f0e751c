using IotAi.Simulator;
using IotAi.Simulator.Faults;

namespace IotAi.Conformance.Tests;

/// <summary>
/// The simulator's slow links under a small Receive Maximum: devices that acknowledge late and take two answers at a
/// time still get every answer from the gateway, each in its turn.
/// </summary>
[Collection(BrokersGroup.Name)]
public sealed class SlowDeviceTests(Brokers brokers)
{
    [Fact]
    public async Task Devices_behind_slow_links_announcing_a_receive_maximum_of_two_get_every_answer()
    {
        const int devices = 4, messages = 12;
        var options = new FleetOptions
        {
            Host = "127.0.0.1",
            Port = brokers.Port(Brokers.Gateway),
            DevicePrefix = $"slow-{Guid.NewGuid():N}"[..13],
            Devices = devices,
            ImageEvery = 0,
            TelemetryInterval = TimeSpan.FromMilliseconds(10),
            ResultTimeout = TimeSpan.FromSeconds(30),
            MessagesPerDevice = messages,
            // Several uplinks out at once, so answers wait for the two slots each device gives the gateway.
            MaxInFlightPerDevice = 6,
            ReceiveMaximum = 2,
            Faults = { SlowLink = new SlowLink(TimeSpan.FromMilliseconds(100)) },
        };
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await fleet.RunAsync(timeout.Token);

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal((devices * messages, 0L, 0L, 0L), (snapshot.Results, snapshot.Errors, snapshot.Timeouts, snapshot.Refused));
    }
}

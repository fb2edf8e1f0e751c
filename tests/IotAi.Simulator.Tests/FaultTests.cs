using System.Text.Json;
using IotAi.Protocol;
using IotAi.Simulator.Faults;

namespace IotAi.Simulator.Tests;

/// <summary>Planned faults: storms cost no acknowledged uplink, pauses silence devices, slow links delay them.</summary>
public sealed class FaultTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_disconnect_storm_loses_nothing_and_every_device_it_hits_reconnects()
    {
        var options = Options("storm", devices: 4);
        options.Faults.Storms.Add(new DisconnectStorm(TimeSpan.FromMilliseconds(100), 1.0));
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var stop = new CancellationTokenSource(TestTimeout);

        var run = fleet.RunAsync(stop.Token);
        await FleetRunTests.WaitUntilAsync(() => fleet.Statistics.Snapshot().Reconnects == 4, CancellationToken.None);
        var atReconnect = fleet.Statistics.Snapshot().Results;
        await FleetRunTests.WaitUntilAsync(() => fleet.Statistics.Snapshot().Results >= atReconnect + 20, CancellationToken.None);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeout);

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal(4, snapshot.ConnectionsLost);
        Assert.Equal(4, snapshot.Reconnects);
        Assert.Equal(0, snapshot.Timeouts);
        Assert.Equal(0, snapshot.SendFailures);
        Assert.Equal(snapshot.Sent, snapshot.Results);
        Assert.Equal(fleet.DeviceIds.ToHashSet(), fleet.Faults.Single(static f => f.Kind == "storm").DeviceIds.ToHashSet());
        foreach (var id in fleet.DeviceIds)
        {
            // Every seq the device sent reached the gateway, the ones cut off by the storm sent again.
            var seen = gateway.UplinksOf(id).Select(static u => u.Seq).Distinct().Order().ToList();
            Assert.Equal(Enumerable.Range(1, seen.Count).Select(static s => (long)s), seen);
        }

        Assert.Equal(snapshot.Sent, fleet.DeviceIds.Sum(id => gateway.UplinksOf(id).Select(static u => u.Seq).Distinct().Count()));
    }

    [Fact]
    public async Task A_paused_device_sends_nothing_during_its_pause_and_then_carries_on()
    {
        var options = Options("pause", devices: 4);
        options.Faults.Pauses.Add(new DevicePause(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300), 0.5));
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var stop = new CancellationTokenSource(TestTimeout);

        var run = fleet.RunAsync(stop.Token);
        await FleetRunTests.WaitUntilAsync(() => fleet.Faults.Count == 1, CancellationToken.None);
        var pause = fleet.Faults[0];
        var paused = pause.DeviceIds.ToHashSet();
        await FleetRunTests.WaitUntilAsync(
            () => fleet.DeviceIds.All(id => gateway.UplinksOf(id).Any(u => Timestamp(u) >= pause.Until)), CancellationToken.None);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeout);

        Assert.Equal(2, paused.Count);
        foreach (var id in fleet.DeviceIds)
        {
            var during = gateway.UplinksOf(id).Count(u => Timestamp(u) >= pause.At && Timestamp(u) < pause.Until);
            Assert.True(paused.Contains(id) ? during == 0 : during > 0, $"{id} sent {during} uplinks during the pause");
        }

        var snapshot = fleet.Statistics.Snapshot();
        Assert.True(snapshot.Paused > 0);
        Assert.Equal(0, snapshot.ConnectionsLost);
    }

    [Fact]
    public async Task A_slow_link_delays_every_send_by_at_least_its_delay()
    {
        var delay = TimeSpan.FromMilliseconds(150);
        var options = Options("slow", devices: 2);
        options.MessagesPerDevice = 3;
        options.Answer = FleetAnswer.Acknowledgement;
        options.Faults.SlowLink = new SlowLink(delay);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Silently, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal(6, snapshot.Results);
        Assert.True(fleet.Statistics.Latency.MinMicroseconds >= delay.TotalMicroseconds, $"the fastest answer took {fleet.Statistics.Latency.MinMicroseconds} µs");
        Assert.All(fleet.DeviceIds, id => Assert.Equal([1L, 2, 3], gateway.UplinksOf(id).Select(static u => u.Seq)));
    }

    [Fact]
    public void Each_fault_hits_exactly_its_share_of_devices_and_the_same_ones_every_run()
    {
        var first = FaultShare.Pick(1000, 0.25, seed: 42, salt: 1);
        var again = FaultShare.Pick(1000, 0.25, seed: 42, salt: 1);
        var other = FaultShare.Pick(1000, 0.25, seed: 42, salt: 2);

        Assert.Equal(250, first.Distinct().Count());
        Assert.Equal(first, again);
        Assert.NotEqual(first.Order(), other.Order());
        Assert.Empty(FaultShare.Pick(10, 0, 1, 1));
        Assert.Equal(10, FaultShare.Pick(10, 1, 1, 1).Length);
    }

    [Theory]
    [InlineData("0.2@30s", 30_000, 0.2)]
    [InlineData("25%@1m", 60_000, 0.25)]
    [InlineData("1@250ms", 250, 1.0)]
    public void Storms_read_as_share_at_time(string text, int atMs, double fraction) =>
        Assert.Equal(new DisconnectStorm(TimeSpan.FromMilliseconds(atMs), fraction), DisconnectStorm.Parse(text));

    [Fact]
    public void Pauses_read_as_share_at_start_plus_length() =>
        Assert.Equal(new DevicePause(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), 0.1), DevicePause.Parse("0.1@20s+10s"));

    [Theory]
    [InlineData("30s", "'30s' is not a disconnect storm")]
    [InlineData("1.5@30s", "'1.5' is not a share")]
    [InlineData("0.2@soon", "'soon' is not a duration")]
    [InlineData("0.2@30s@40s", "write SHARE@AT")]
    public void A_storm_that_cannot_be_read_says_what_is_wrong(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<FormatException>(() => DisconnectStorm.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("0.1@20s")]
    [InlineData("0.1@20s+never")]
    public void A_pause_that_cannot_be_read_says_how_to_write_one(string text) =>
        Assert.Throws<FormatException>(() => DevicePause.Parse(text));

    [Fact]
    public void Faults_that_cannot_happen_are_refused_before_connecting()
    {
        Assert.ThrowsAny<ArgumentException>(new FleetOptions { Faults = { SlowLink = new SlowLink(TimeSpan.Zero) } }.Validate);
        Assert.ThrowsAny<ArgumentException>(new FleetOptions { Faults = { Storms = { new DisconnectStorm(TimeSpan.FromSeconds(1), 2) } } }.Validate);
        Assert.ThrowsAny<ArgumentException>(new FleetOptions { Faults = { Pauses = { new DevicePause(TimeSpan.FromSeconds(1), TimeSpan.Zero, 0.5) } } }.Validate);
    }

    private static DateTimeOffset Timestamp(SeenUplink uplink) =>
        JsonSerializer.Deserialize(uplink.Payload, ProtocolJson.Wire.Telemetry)!.Timestamp!.Value;

    private static FleetOptions Options(string prefix, int devices) => new()
    {
        Host = "127.0.0.1",
        DevicePrefix = prefix,
        Devices = devices,
        ImageEvery = 0,
        TelemetryInterval = TimeSpan.FromMilliseconds(10),
        ResultTimeout = TimeSpan.FromSeconds(30),
        Seed = 11,
    };
}

using IotAi.Bench;
using System.Net;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Simulator.Tests;

/// <summary>What counts as an answer: a PUBACK, the broker's echo, or (elsewhere) the gateway's result.</summary>
public sealed class FleetAnswerTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Readings_answered_at_the_edge_are_padded_acknowledged_and_counted_without_grading()
    {
        var options = Options("ack", devices: 4, messages: 5);
        options.Answer = FleetAnswer.Acknowledgement;
        options.Escalate = false;
        options.PayloadBytes = 256;
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Silently, new GroundTruth(options));

        var snapshot = await RunAsync(options, gateway.Port);

        var uplinks = gateway.Uplinks.ToList();
        Assert.Equal(20, uplinks.Count);
        Assert.All(uplinks, u => Assert.Equal(256, u.Payload.Length));
        Assert.All(uplinks, u => Assert.False(JsonSerializer.Deserialize(u.Payload, ProtocolJson.Wire.Telemetry)!.Escalate));
        Assert.Equal(20, snapshot.Results);
        Assert.Equal(0, snapshot.Timeouts);
        Assert.Equal(0, snapshot.Telemetry.Graded);
        Assert.Null(snapshot.Accuracy);
        Assert.Equal(20, snapshot.Latency.Count);
    }

    [Fact]
    public async Task Against_a_plain_broker_each_uplinks_echo_is_its_answer()
    {
        await using var mosquitto = await MosquittoProcess.StartRequiredAsync(CancellationToken.None);
        var options = Options("echo", devices: 6, messages: 8);
        options.Answer = FleetAnswer.Echo;
        options.ImageEvery = 4;

        var snapshot = await RunAsync(options, mosquitto.Port);

        Assert.Equal(48, snapshot.Sent);
        Assert.Equal(48, snapshot.Results);
        Assert.Equal(12, snapshot.Image.Results);
        Assert.Equal(0, snapshot.Unmatched);
        Assert.Equal(0, snapshot.Timeouts);
        Assert.Null(snapshot.Accuracy);
    }

    [Fact]
    public async Task Connections_spread_over_the_loopback_addresses_asked_for()
    {
        var options = Options("spread", devices: 6, messages: 1);
        options.LocalAddresses = 3;
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));

        var snapshot = await RunAsync(options, gateway.Port);

        Assert.Equal(
            Enumerable.Range(0, 6).Select(i => (options.DeviceId(i), IPAddress.Parse($"127.0.0.{1 + (i % 3)}"))).ToHashSet(),
            gateway.ConnectedFrom.Select(c => (c.Key, c.Value)).ToHashSet());
        Assert.Equal(6, snapshot.Results);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(10_000, 1)]
    [InlineData(10_001, 2)]
    [InlineData(50_000, 5)]
    public void By_default_each_address_carries_at_most_ten_thousand_devices(int devices, int addresses)
    {
        var options = new FleetOptions { Host = "127.0.0.1", Devices = devices };

        Assert.Equal(addresses, Enumerable.Range(0, devices).Select(options.LocalAddress).Distinct().Count());
    }

    [Fact]
    public void A_broker_off_loopback_leaves_the_source_address_to_the_OS() =>
        Assert.Null(new FleetOptions { Host = "10.1.2.3", Devices = 30_000 }.LocalAddress(7));

    [Fact]
    public void Readings_answered_at_the_edge_cannot_wait_for_a_result()
    {
        var options = new FleetOptions { Escalate = false };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    private static async Task<FleetSnapshot> RunAsync(FleetOptions options, int port)
    {
        options.Port = port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);
        await fleet.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the run should end when every device has sent its messages");
        return fleet.Statistics.Snapshot();
    }

    private static FleetOptions Options(string prefix, int devices, int messages) => new()
    {
        Host = "127.0.0.1",
        DevicePrefix = prefix,
        Devices = devices,
        MessagesPerDevice = messages,
        ImageEvery = 0,
        TelemetryInterval = TimeSpan.FromMilliseconds(10),
        Seed = 3,
    };
}

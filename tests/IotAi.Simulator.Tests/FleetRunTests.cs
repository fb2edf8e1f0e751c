using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;
using MQTTnet.Protocol;

namespace IotAi.Simulator.Tests;

public sealed class FleetRunTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_device_sends_seq_1_to_M_and_the_run_ends_by_itself()
    {
        var options = Options("run", devices: 5, messages: 6, imageEvery: 0);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "the run should end when every device has sent its messages");
        Assert.Equal(fleet.DeviceIds.ToHashSet(), gateway.ConnectedClients.Keys.ToHashSet());
        foreach (var id in fleet.DeviceIds)
        {
            var uplinks = gateway.UplinksOf(id);
            Assert.Equal([1L, 2, 3, 4, 5, 6], uplinks.Select(u => u.Seq));
            Assert.All(uplinks, u => Assert.Equal(id, u.ClientId));
            Assert.All(uplinks, u => Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, u.Qos));
            Assert.All(uplinks, u => Assert.Equal(DeviceTopics.Telemetry(id), u.Topic));
            var telemetry = JsonSerializer.Deserialize(uplinks[0].Payload, ProtocolJson.Wire.Telemetry)!;
            Assert.Equal(SensorSample.FeatureNames, telemetry.Values.Keys);
            Assert.NotNull(telemetry.Timestamp);
        }

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal(30, snapshot.Sent);
        Assert.Equal(30, snapshot.Results);
        Assert.Equal(0, snapshot.Outstanding);
        Assert.Equal(0, snapshot.Timeouts);
        Assert.Equal(1.0, snapshot.Accuracy);
        Assert.Equal(30, snapshot.Latency.Count);
        Assert.True(snapshot.Latency.MaxMs > 0);
        Assert.Equal(0, snapshot.DevicesConnected);
        await WaitUntilAsync(() => gateway.DisconnectedClients.Count == 5, timeout.Token);
    }

    [Fact]
    public async Task Accuracy_is_exactly_the_fraction_the_gateway_answers_right()
    {
        var options = Options("acc", devices: 3, messages: 20, imageEvery: 5);
        var wrongEveryFourth = GatewayAnswers.WrongWhen(static u => u.Seq % 4 == 0);
        await using var gateway = await FakeGateway.StartAsync(wrongEveryFourth, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        // Per device: four images, one of them at a seq divisible by 4 (device 0: 5, 10, 15, 20; device 1: 4, 9, 14, 19;
        // device 2: 3, 8, 13, 18), so a quarter of each kind is wrong.
        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal(60, snapshot.Results);
        Assert.Equal(0.75, snapshot.Accuracy);
        Assert.Equal(new KindSnapshot(48, 48, 36, 48, 0.75), snapshot.Telemetry);
        Assert.Equal(new KindSnapshot(12, 12, 9, 12, 0.75), snapshot.Image);
    }

    [Fact]
    public async Task Every_nth_uplink_is_a_jpeg_frame_carrying_its_seq_as_a_user_property_and_the_cameras_take_turns()
    {
        var options = Options("img", devices: 2, messages: 7, imageEvery: 3);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        // Device 1's camera runs one message ahead of device 0's, so the fleet's frames do not all come on one tick.
        var expected = new Dictionary<string, long[]> { [fleet.DeviceIds[0]] = [3, 6], [fleet.DeviceIds[1]] = [2, 5] };
        foreach (var id in fleet.DeviceIds)
        {
            var images = gateway.UplinksOf(id).Where(u => u.Kind == PayloadKind.Image).ToList();
            Assert.Equal(expected[id], images.Select(u => u.Seq));
            Assert.All(images, u => Assert.Equal(DeviceTopics.Image(id), u.Topic));
            Assert.All(images, u => Assert.Equal(ContentTypes.Jpeg, u.ContentType));
            Assert.All(images, u => Assert.Equal(ContentTypes.Jpeg, ContentTypes.SniffImage(u.Payload)));
            Assert.Equal(expected[id].Select(static s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)), images.Select(u => u.UserProperties[UserProperties.Seq]));
        }

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal(4, snapshot.Image.Results);
        Assert.Equal(10, snapshot.Telemetry.Results);
        Assert.Equal(1.0, snapshot.Image.Accuracy);
    }

    [Fact]
    public async Task Error_replies_are_counted_by_code_and_not_as_results()
    {
        var options = Options("err", devices: 2, messages: 8, imageEvery: 2);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.WithoutImageModel, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal(16, snapshot.Sent);
        Assert.Equal(8, snapshot.Results);
        Assert.Equal(8, snapshot.Errors);
        Assert.Equal(8, snapshot.Refused);
        Assert.Equal(new Dictionary<string, long> { [ErrorCodes.NoModel] = 8 }, snapshot.ErrorsByCode);
        Assert.Equal(0, snapshot.Image.Results);
        Assert.Equal(0, snapshot.Timeouts);
        Assert.Equal(0, snapshot.Outstanding);
        Assert.Equal(1.0, snapshot.Accuracy);
    }

    [Fact]
    public async Task A_silent_gateway_turns_uplinks_into_timeouts_that_free_the_in_flight_slot()
    {
        var options = Options("mute", devices: 1, messages: 3, imageEvery: 0);
        options.ResultTimeout = TimeSpan.FromMilliseconds(50);
        options.DrainTimeout = TimeSpan.FromMilliseconds(50);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Silently, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        var snapshot = fleet.Statistics.Snapshot();
        Assert.Equal([1L, 2, 3], gateway.UplinksOf(fleet.DeviceIds[0]).Select(u => u.Seq));
        Assert.Equal(3, snapshot.Timeouts);
        Assert.Equal(0, snapshot.Results);
        Assert.Equal(0, snapshot.Outstanding);
        Assert.True(snapshot.Throttled > 0, "with one slot, ticks must be skipped while the answer is awaited");
        Assert.Null(snapshot.Accuracy);
    }

    [Fact]
    public async Task Cancelling_a_run_without_limits_stops_it_cleanly()
    {
        var options = Options("stop", devices: 3, messages: null, imageEvery: 4);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var stop = new CancellationTokenSource(TestTimeout);

        var run = fleet.RunAsync(stop.Token);
        await gateway.FirstUplink.WaitAsync(TestTimeout);
        await WaitUntilAsync(() => fleet.Statistics.Snapshot().Results >= 10, CancellationToken.None);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeout);

        var snapshot = fleet.Statistics.Snapshot();
        Assert.True(snapshot.Results >= 10);
        Assert.Equal(snapshot.Sent, snapshot.Results + snapshot.Timeouts + snapshot.SendFailures);
        Assert.Equal(0, snapshot.Outstanding);
        Assert.Equal(0, snapshot.DevicesConnected);
    }

    [Fact]
    public async Task Duration_ends_an_unlimited_run_by_itself()
    {
        var options = Options("dur", devices: 2, messages: null, imageEvery: 0);
        options.Duration = TimeSpan.FromMilliseconds(300);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Truthfully, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested);
        Assert.True(fleet.Statistics.Snapshot().Results > 0);
    }

    [Fact]
    public async Task A_fleet_that_cannot_connect_fails_loudly()
    {
        var options = Options("down", devices: 2, messages: 1, imageEvery: 0);
        options.Port = FakeGateway.FreePort();
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await Assert.ThrowsAnyAsync<Exception>(() => fleet.RunAsync(timeout.Token));
        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(0, fleet.Statistics.Snapshot().DevicesConnected);
    }

    private static FleetOptions Options(string prefix, int devices, int? messages, int imageEvery) => new()
    {
        Host = "127.0.0.1",
        DevicePrefix = prefix,
        Devices = devices,
        MessagesPerDevice = messages,
        ImageEvery = imageEvery,
        TelemetryInterval = TimeSpan.FromMilliseconds(10),
        Seed = 7,
        AnomalyRate = 0.3,
    };

    internal static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TestTimeout;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met before the deadline");
            await poll.WaitForNextTickAsync(cancellationToken);
        }
    }
}

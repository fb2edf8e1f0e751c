using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using IotAi.Synthetic;

namespace IotAi.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class DeviceGrainTests(ClusterFixture fixture)
{
    private static Uplink Telemetry(string json) => new(PayloadKind.Telemetry, Encoding.UTF8.GetBytes(json), null, "devices/x/up/telemetry");

    private static string Reading(long seq, double temperature) =>
        $$$"""{"seq":{{{seq}}},"values":{"temperature":{{{temperature}}},"vibration":0.3,"current":10}}""";

    private IDeviceGrain Device() => fixture.Grains.GetGrain<IDeviceGrain>($"grain-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task Telemetry_is_inferred_and_answered_with_the_sensor_model()
    {
        var device = Device();

        var normal = await device.HandleUplinkAsync(Telemetry(Reading(1, 45)));
        var hot = await device.HandleUplinkAsync(Telemetry(Reading(2, 80)));

        Assert.Equal(UplinkOutcome.Accepted, normal.Outcome);
        var first = Result(normal);
        Assert.Equal((1L, "normal", "sensor-anomaly", "telemetry"), (first.Seq, first.Label, first.Model, first.Kind));
        Assert.Equal("anomaly", Result(hot).Label);
        Assert.Equal(2, Result(hot).Scores.Count);
    }

    [Fact]
    public async Task A_repeated_sequence_number_is_acknowledged_but_not_processed_again()
    {
        var device = Device();

        await device.HandleUplinkAsync(Telemetry(Reading(1, 45)));
        await device.HandleUplinkAsync(Telemetry(Reading(3, 45)));
        var repeat = await device.HandleUplinkAsync(Telemetry(Reading(1, 45)));
        var late = await device.HandleUplinkAsync(Telemetry(Reading(2, 45)));

        Assert.Equal(UplinkOutcome.Duplicate, repeat.Outcome);
        Assert.Null(repeat.Reply);
        Assert.Equal(UplinkOutcome.Accepted, late.Outcome);
        var twin = await device.GetTwinAsync();
        Assert.Equal((3L, 1L, 3L), (twin.Counters.Telemetry, twin.Counters.Duplicates, twin.HighestSeq));
    }

    [Fact]
    public async Task A_reading_the_device_answered_itself_is_kept_without_inference_and_still_deduplicated()
    {
        var device = Device();
        const string answered = """{"seq":5,"values":{"temperature":45,"vibration":0.3,"current":10},"edge":{"model":"sensor-anomaly","version":"1","label":"normal","confidence":0.99},"escalate":false}""";

        var kept = await device.HandleUplinkAsync(Telemetry(answered));
        var repeat = await device.HandleUplinkAsync(Telemetry(answered));
        var image = await device.HandleUplinkAsync(new Uplink(PayloadKind.Image, new SyntheticCamera(1).Next().Encoded, 6, "devices/x/up/image", Escalate: false));

        Assert.Equal((UplinkOutcome.Accepted, null), (kept.Outcome, kept.Reply));
        Assert.Equal(UplinkOutcome.Duplicate, repeat.Outcome);
        Assert.Equal((UplinkOutcome.Accepted, null), (image.Outcome, image.Reply));
        var twin = await device.GetTwinAsync();
        Assert.Equal((1L, 1L, 2L, 0L, 6L), (twin.Counters.Telemetry, twin.Counters.Images, twin.Counters.AnsweredAtEdge, twin.Counters.Results, twin.HighestSeq));
    }

    [Fact]
    public async Task A_bad_payload_gets_an_error_reply_and_is_counted()
    {
        var device = Device();

        var reply = await device.HandleUplinkAsync(Telemetry("""{"seq":4,"values":{"temperature":"hot"}}"""));

        Assert.Equal(UplinkOutcome.PayloadInvalid, reply.Outcome);
        Assert.Equal(DownlinkKind.Error, reply.Reply!.Kind);
        var error = JsonSerializer.Deserialize(reply.Reply.Payload, ProtocolJson.Default.ErrorReply)!;
        Assert.Equal((4L, ErrorCodes.PayloadInvalid), (error.Seq, error.Code));
        Assert.Contains("temperature", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await device.GetTwinAsync()).Counters.Rejected);
    }

    [Fact]
    public async Task Camera_frames_are_classified_by_the_image_model()
    {
        var device = Device();
        var camera = new SyntheticCamera(seed: 2024);
        var correct = 0;
        for (var seq = 1; seq <= 20; seq++)
        {
            var frame = camera.Next();
            var reply = await device.HandleUplinkAsync(new Uplink(PayloadKind.Image, frame.Encoded, seq, "devices/x/up/image"));
            var result = Result(reply);
            Assert.Equal((seq, "shape-classifier", "image"), (result.Seq!.Value, result.Model, result.Kind));
            correct += result.Label == frame.Label ? 1 : 0;
        }

        Assert.InRange(correct, 17, 20);
        var twin = await device.GetTwinAsync();
        Assert.Equal(20, twin.Counters.Images);
        Assert.Equal("shape-classifier:1", twin.ModelVersions["image"]);
    }

    [Fact]
    public async Task A_corrupt_image_gets_an_error_reply()
    {
        var reply = await Device().HandleUplinkAsync(new Uplink(PayloadKind.Image, [0xFF, 0xD8, 0xFF, 0x00, 0x01], 1, "devices/x/up/image"));

        Assert.Equal(UplinkOutcome.PayloadInvalid, reply.Outcome);
    }

    [Fact]
    public async Task Desired_properties_reach_the_device_through_its_downlink_now_and_on_reconnect()
    {
        var device = Device();
        var downlink = new RecordingDownlink();
        var reference = fixture.Grains.CreateObjectReference<IDeviceDownlink>(downlink);

        await device.ConnectedAsync(reference, 0);
        await device.SetDesiredAsync(new Dictionary<string, string> { ["samplingMs"] = "500" });
        var pushed = Desired((await downlink.NextAsync()).Message);

        Assert.Equal(1, pushed.Version);
        Assert.Equal("500", pushed.Desired["samplingMs"]);
        Assert.True((await device.GetTwinAsync()).Connected);

        await device.DisconnectedAsync(reference);
        await device.SetDesiredAsync(new Dictionary<string, string> { ["threshold"] = "0.7" });
        Assert.False((await device.GetTwinAsync()).Connected);

        await device.ConnectedAsync(reference, 0);
        var caughtUp = Desired((await downlink.NextAsync()).Message);
        Assert.Equal(2, caughtUp.Version);
        Assert.Equal(["samplingMs", "threshold"], caughtUp.Desired.Keys.Order());
        fixture.Grains.DeleteObjectReference<IDeviceDownlink>(reference);
    }

    [Fact]
    public async Task A_push_reaches_a_connected_device_whose_grain_was_put_away_while_it_idled()
    {
        // Idle device grains are collected early (Gateway:DeviceIdleAge); the connection lives on in the twin on disk.
        var device = Device();
        var downlink = new RecordingDownlink();
        var reference = fixture.Grains.CreateObjectReference<IDeviceDownlink>(downlink);
        await device.ConnectedAsync(reference, 0);

        await fixture.Cluster.DeactivateAsync(device);
        await device.SetDesiredAsync(new Dictionary<string, string> { ["samplingMs"] = "250" });

        Assert.Equal("250", Desired((await downlink.NextAsync()).Message).Desired["samplingMs"]);
        fixture.Grains.DeleteObjectReference<IDeviceDownlink>(reference);
    }

    [Fact]
    public async Task A_downlink_that_fails_is_dropped_and_the_change_is_kept()
    {
        var device = Device();
        var vanished = new VanishedDownlink();
        var reference = fixture.Grains.CreateObjectReference<IDeviceDownlink>(vanished);
        await device.ConnectedAsync(reference, 0);

        await device.SetDesiredAsync(new Dictionary<string, string> { ["mode"] = "eco" });

        var twin = await device.GetTwinAsync();
        Assert.False(twin.Connected);
        Assert.Equal("eco", twin.Desired["mode"]);
        fixture.Grains.DeleteObjectReference<IDeviceDownlink>(reference);
    }

    [Fact]
    public async Task The_twin_survives_deactivation_through_file_storage()
    {
        var id = $"grain-test-{Guid.NewGuid():N}";
        var device = fixture.Grains.GetGrain<IDeviceGrain>(id);
        await device.HandleUplinkAsync(Telemetry(Reading(1, 45)));
        await device.HandleUplinkAsync(Telemetry(Reading(2, 45)));

        await fixture.Cluster.DeactivateAsync(device);
        var twin = await fixture.Grains.GetGrain<IDeviceGrain>(id).GetTwinAsync();

        Assert.Equal((2L, 2L), (twin.Counters.Telemetry, twin.HighestSeq));
        Assert.NotNull(twin.FirstSeen);
        Assert.True(File.Exists(Path.Combine(fixture.StateDirectory, "device", "device", $"{id}.state.a")),
            "the twin was not written where the data directory keeps grain state");
    }

    private static InferenceResult Result(UplinkReply reply)
    {
        Assert.Equal(DownlinkKind.Result, reply.Reply?.Kind);
        return JsonSerializer.Deserialize(reply.Reply!.Payload, ProtocolJson.Default.InferenceResult)!;
    }

    private static DesiredProperties Desired(DownlinkMessage message)
    {
        Assert.Equal(DownlinkKind.Desired, message.Kind);
        return JsonSerializer.Deserialize(message.Payload, ProtocolJson.Default.DesiredProperties)!;
    }
}

using IotAi.Protocol;
using IotAi.Synthetic;
using MQTTnet;
using MQTTnet.Formatter;
using SkiaSharp;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>Devices speaking plain MQTT to a running silo get their answers on their downlink topics.</summary>
[Collection(SiloGroup.Name)]
public sealed class MqttRoundTripTests(SiloFixture silo)
{
    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Telemetry_in_the_documented_json_is_answered_on_the_result_topic(MqttProtocolVersion version)
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, version: version);

        var ack = await device.SendTelemetryAsync(seq: 1, temperature: 82);
        var result = await device.NextResultAsync();

        Assert.True(ack.IsSuccess);
        Assert.Equal((1L, "telemetry", "sensor-anomaly", "1", "anomaly"), (result.Seq, result.Kind, result.Model, result.Version, result.Label));
        Assert.InRange(result.Confidence, 0.5f, 1f);
    }

    [Fact]
    public async Task An_image_the_device_answered_itself_is_kept_and_not_answered_again()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        var frame = new SyntheticCamera(seed: 12).Next(ImageShape.Square);

        var ack = await device.PublishRawAsync(new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Image(device.Id))
            .WithPayload(frame.Encoded)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(UserProperties.Seq, "8"u8.ToArray())
            .WithUserProperty(UserProperties.Escalate, "false"u8.ToArray())
            .Build());
        // The next reading is escalated: its result is the first the device gets, so none came for the image.
        await device.SendTelemetryAsync(seq: 9, temperature: 45);
        var result = await device.NextResultAsync();

        Assert.True(ack.IsSuccess);
        Assert.Equal(9L, result.Seq);
        var twin = await silo.Host.Grains.GetGrain<IotAi.Grains.IDeviceGrain>(device.Id).GetTwinAsync();
        Assert.Equal((1L, 1L), (twin.Counters.Images, twin.Counters.AnsweredAtEdge));
    }

    [Fact]
    public async Task An_image_with_its_seq_in_a_user_property_is_classified()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        var frame = new SyntheticCamera(seed: 11).Next(ImageShape.Circle);

        await device.PublishAsync(DeviceTopics.Image(device.Id), frame.Encoded, seq: 5);
        var result = await device.NextResultAsync();

        Assert.Equal((5L, "image", "shape-classifier"), (result.Seq, result.Kind, result.Model));
        Assert.Equal(ImageShapes.Labels.Order(), result.Scores.Keys.Order());
        Assert.Equal("circle", result.Label);
    }

    [Fact]
    public async Task An_mqtt_311_device_puts_the_image_seq_in_the_topic()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, version: MqttProtocolVersion.V311);
        var frame = new SyntheticCamera(seed: 12, format: SKEncodedImageFormat.Png).Next(ImageShape.Square);

        await device.PublishAsync($"{DeviceTopics.Image(device.Id)}/9", frame.Encoded);
        var result = await device.NextResultAsync();

        Assert.Equal((9L, "square"), (result.Seq, result.Label));
    }

    [Fact]
    public async Task A_repeated_seq_is_acknowledged_without_a_second_answer()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        await device.SendTelemetryAsync(seq: 1, temperature: 45);
        await device.NextResultAsync();
        var repeat = await device.SendTelemetryAsync(seq: 1, temperature: 45);
        await device.SendTelemetryAsync(seq: 2, temperature: 45);

        Assert.True(repeat.IsSuccess);
        // The next answer is for seq 2: the repeat was dropped, not answered.
        Assert.Equal(2, (await device.NextResultAsync()).Seq);
        var twin = await silo.Host.Grains.GetGrain<IotAi.Grains.IDeviceGrain>(device.Id).GetTwinAsync();
        Assert.Equal((2L, 1L), (twin.Counters.Telemetry, twin.Counters.Duplicates));
    }

    [Fact]
    public async Task Reported_properties_land_in_the_twin_before_the_ack()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var ack = await device.PublishAsync(DeviceTopics.Reported(device.Id), System.Text.Encoding.UTF8.GetBytes("""{"firmware":"1.4.2","battery":87}"""));
        var twin = await silo.Host.Grains.GetGrain<IotAi.Grains.IDeviceGrain>(device.Id).GetTwinAsync();

        Assert.True(ack.IsSuccess);
        Assert.Equal(("1.4.2", "87"), (twin.Reported["firmware"], twin.Reported["battery"]));
    }
}

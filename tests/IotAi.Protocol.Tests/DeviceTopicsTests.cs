namespace IotAi.Protocol.Tests;

public sealed class DeviceTopicsTests
{
    [Theory]
    [InlineData("devices/pump-7/up/telemetry", UplinkTopicStatus.Ok, "pump-7", PayloadKind.Telemetry, null)]
    [InlineData("devices/cam.1/up/image", UplinkTopicStatus.Ok, "cam.1", PayloadKind.Image, null)]
    [InlineData("devices/cam:1/up/image/42", UplinkTopicStatus.Ok, "cam:1", PayloadKind.Image, 42L)]
    [InlineData("devices/pump-7/up/twin/reported", UplinkTopicStatus.Reported, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/pump-7/up/model/status", UplinkTopicStatus.ModelStatus, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/pump-7/up/model/quality", UplinkTopicStatus.ModelQuality, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/pump-7/up/label", UplinkTopicStatus.Label, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/pump-7/up/sound", UplinkTopicStatus.UnknownKind, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/pump-7/up/image/0", UplinkTopicStatus.UnknownKind, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/pump-7/up/image/-3", UplinkTopicStatus.UnknownKind, "pump-7", default(PayloadKind), null)]
    [InlineData("devices/bad id/up/telemetry", UplinkTopicStatus.InvalidDeviceId, "bad id", default(PayloadKind), null)]
    public void Parses_uplink_topics(string topic, UplinkTopicStatus status, string deviceId, PayloadKind kind, long? seq)
    {
        Assert.Equal(new UplinkTopicParse(status, deviceId, kind, seq), DeviceTopics.ParseUplink(topic));
    }

    [Theory]
    [InlineData("devices/mic-1/up/tensor", UplinkTopicStatus.Ok, null)]
    [InlineData("devices/mic-1/up/tensor/silero-vad", UplinkTopicStatus.Ok, "silero-vad")]
    [InlineData("devices/mic-1/up/tensor/", UplinkTopicStatus.UnknownKind, null)]
    [InlineData("devices/mic-1/up/tensor/vad/extra", UplinkTopicStatus.UnknownKind, null)]
    public void Parses_tensor_topics_with_or_without_a_model(string topic, UplinkTopicStatus status, string? model)
    {
        var parsed = DeviceTopics.ParseUplink(topic);

        Assert.Equal((status, model), (parsed.Status, parsed.Model));
        Assert.Equal(status == UplinkTopicStatus.Ok ? PayloadKind.Tensor : default, parsed.Kind);
        if (status == UplinkTopicStatus.Ok)
        {
            Assert.Equal(topic, DeviceTopics.Tensor("mic-1", model));
        }
    }

    [Fact]
    public void The_senders_own_id_is_returned_as_is_and_another_id_is_read_from_the_topic()
    {
        var sender = new string("pump-7".AsSpan());

        Assert.Same(sender, DeviceTopics.ParseUplink("devices/pump-7/up/telemetry", sender).DeviceId);
        Assert.Equal("pump-8", DeviceTopics.ParseUplink("devices/pump-8/up/telemetry", sender).DeviceId);
        Assert.Equal("pump-77", DeviceTopics.ParseUplink("devices/pump-77/up/telemetry", sender).DeviceId);
    }

    [Theory]
    [InlineData("devices/pump-7/down/result")]
    [InlineData("devices/pump-7")]
    [InlineData("devices//up/telemetry")]
    [InlineData("factory/line-1/temperature")]
    public void Leaves_other_topics_alone(string topic)
    {
        Assert.Equal(UplinkTopicStatus.NotUplink, DeviceTopics.ParseUplink(topic).Status);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("Pump_7.line-2:east", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("slash/y", false)]
    [InlineData("wild+", false)]
    [InlineData("wild#", false)]
    public void Device_ids_are_letters_digits_and_a_few_marks(string id, bool valid)
    {
        Assert.Equal(valid, DeviceTopics.IsValidDeviceId(id));
        Assert.False(DeviceTopics.IsValidDeviceId(new string('x', DeviceTopics.MaxDeviceIdLength + 1)));
    }

    [Fact]
    public void Recognises_images_by_their_magic_bytes()
    {
        Assert.Equal(ContentTypes.Jpeg, ContentTypes.SniffImage([0xFF, 0xD8, 0xFF, 0xE0]));
        Assert.Equal(ContentTypes.Png, ContentTypes.SniffImage([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]));
        Assert.Null(ContentTypes.SniffImage("GIF89a"u8));
    }
}

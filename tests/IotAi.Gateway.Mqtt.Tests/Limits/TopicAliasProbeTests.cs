using System.Text;
using IotAi.Gateway.Mqtt.Limits;

namespace IotAi.Gateway.Mqtt.Tests.Limits;

/// <summary>The probe reads a PUBLISH's Topic Alias from its bytes however the network splits them.</summary>
public sealed class TopicAliasProbeTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(11, true)]
    [InlineData(10, false)]
    [InlineData(1, false)]
    public void Finds_an_alias_out_of_bounds_behind_other_properties_even_one_byte_at_a_time(int alias, bool outOfBounds)
    {
        // QoS 1 (fixed header 0x32), so a packet id comes before the properties.
        var body = Body("a/b", packetId: true, [
            0x03, .. Str("text/plain"),             // content type
            0x26, .. Str("k"), .. Str("v"),          // a user property
            0x0B, 0x81, 0x01,                        // a subscription identifier of 129, two bytes
            0x23, (byte)(alias >> 8), (byte)alias,   // the topic alias
        ]);

        foreach (var split in new[] { body.Length, 1, 3 })
        {
            var probe = new TopicAliasProbe(10);
            probe.Start(0x32);
            int? found = null;
            for (var i = 0; i < body.Length && found is null; i += split)
            {
                found = probe.Read(body.AsSpan(i, Math.Min(split, body.Length - i)));
            }

            Assert.Equal(outOfBounds ? alias : null, found);
        }
    }

    [Fact]
    public void A_payload_that_looks_like_an_alias_is_not_read_as_one()
    {
        // No properties; the payload's bytes spell a topic alias property of 0.
        byte[] body = [.. Body("a", packetId: false, []), 0x23, 0x00, 0x00];
        var probe = new TopicAliasProbe(10);
        probe.Start(0x30);

        Assert.Null(probe.Read(body));
    }

    [Fact]
    public void A_camera_frame_as_mqttnet_encodes_it_has_no_alias_however_it_is_split()
    {
        var formatter = new MQTTnet.Formatter.MqttPacketFormatterAdapter(MQTTnet.Formatter.MqttProtocolVersion.V500, new MQTTnet.Formatter.MqttBufferWriter(256, 65536));
        var frame = new byte[3000];
        new Random(7).NextBytes(frame);
        var packet = formatter.Encode(new MQTTnet.Packets.MqttPublishPacket
        {
            Topic = "devices/cam-1/up/image",
            PacketIdentifier = 300,
            QualityOfServiceLevel = MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce,
            ContentType = "image/jpeg",
            UserProperties = [new("seq", Encoding.UTF8.GetBytes("12345")), new("label", Encoding.UTF8.GetBytes("circle"))],
            Payload = new System.Buffers.ReadOnlySequence<byte>(frame),
        }).ToArray();
        // The body follows the fixed header's type byte and its length's bytes.
        var lengthBytes = 1;
        while ((packet[lengthBytes] & 0x80) != 0)
        {
            lengthBytes++;
        }

        var body = packet.AsSpan(1 + lengthBytes).ToArray();
        foreach (var split in new[] { body.Length, 1, 2, 5, 64 })
        {
            var probe = new TopicAliasProbe(10);
            probe.Start(packet[0]);
            for (var i = 0; i < body.Length; i += split)
            {
                Assert.Null(probe.Read(body.AsSpan(i, Math.Min(split, body.Length - i))));
            }
        }
    }

    private static byte[] Body(string topic, bool packetId, byte[] properties) =>
        [.. Str(topic), .. packetId ? new byte[] { 0x00, 0x07 } : [], (byte)properties.Length, .. properties, .. Encoding.UTF8.GetBytes("payload")];

    private static byte[] Str(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }
}

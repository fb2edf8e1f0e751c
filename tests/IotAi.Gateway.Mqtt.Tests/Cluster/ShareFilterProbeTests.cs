using IotAi.Gateway.Mqtt.Cluster;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests.Cluster;

/// <summary>
/// The probe marks the shared subscriptions in a SUBSCRIBE or UNSUBSCRIBE as MQTTnet encodes them, however the network
/// splits the bytes, and leaves every other filter, property and option as it was.
/// </summary>
public sealed class ShareFilterProbeTests
{
    private static readonly string[] Filters = ["$share/workers/jobs/#", "plain/+/topic", "$sharenot/x", "$share/g", "$SHARE/g/x", "$share/pool/a/b"];

    public static TheoryData<MqttProtocolVersion, int> Splits => new()
    {
        { MqttProtocolVersion.V500, 65536 },
        { MqttProtocolVersion.V500, 1 },
        { MqttProtocolVersion.V500, 5 },
        { MqttProtocolVersion.V311, 65536 },
        { MqttProtocolVersion.V311, 1 },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void Marks_only_the_share_prefix_of_each_shared_filter_in_a_subscribe(MqttProtocolVersion version, int split)
    {
        var subscribe = new MqttSubscribePacket
        {
            PacketIdentifier = 513,
            SubscriptionIdentifier = 300,
            UserProperties = [new MqttUserProperty("$share/", "$share/in/a/property"u8.ToArray())],
            TopicFilters = [.. Filters.Select(static f => new MqttTopicFilter { Topic = f, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce })],
        };

        var read = (MqttSubscribePacket)Probed(version, subscribe, 0x82, split);

        Assert.Equal(["$share\0workers/jobs/#", "plain/+/topic", "$sharenot/x", "$share\0g", "$SHARE/g/x", "$share\0pool/a/b"], read.TopicFilters.Select(static f => f.Topic));
        Assert.All(read.TopicFilters, static f => Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, f.QualityOfServiceLevel));
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal("$share/in/a/property", read.UserProperties.Single().ReadValueAsString());
        }
    }

    [Theory]
    [MemberData(nameof(Splits))]
    public void Marks_the_same_filters_in_an_unsubscribe(MqttProtocolVersion version, int split)
    {
        var read = (MqttUnsubscribePacket)Probed(version, new MqttUnsubscribePacket { PacketIdentifier = 9, TopicFilters = [.. Filters] }, 0xA2, split);

        Assert.Equal(["$share\0workers/jobs/#", "plain/+/topic", "$sharenot/x", "$share\0g", "$SHARE/g/x", "$share\0pool/a/b"], read.TopicFilters);
    }

    [Theory]
    [InlineData("$share\0workers/jobs/#", true, "workers", "jobs/#")]
    [InlineData("$share\0g", false, "", "")]
    [InlineData("$share\0g/", false, "", "")]
    [InlineData("$share\0/x", false, "", "")]
    [InlineData("$share\0g+/x", false, "", "")]
    [InlineData("$share/g/x", false, "", "")]
    public void Reads_the_group_and_filter_of_a_valid_shared_subscription(string marked, bool valid, string group, string filter)
    {
        Assert.Equal(valid, ShareFilterProbe.TryRead(marked, out var readGroup, out var readFilter));
        Assert.Equal((group, filter), (readGroup, readFilter));
    }

    /// <summary>Encodes the packet, runs its body through the probe <paramref name="split"/> bytes at a time, and decodes what came out.</summary>
    private static MqttPacket Probed(MqttProtocolVersion version, MqttPacket packet, byte type, int split)
    {
        var formatter = new MqttPacketFormatterAdapter(version, new MqttBufferWriter(256, 65536));
        var bytes = formatter.Encode(packet).Join().ToArray();
        Assert.Equal(type, bytes[0]);
        var bodyStart = 1;
        while ((bytes[bodyStart++] & 0x80) != 0)
        {
        }

        var probe = new ShareFilterProbe();
        probe.Start(bytes[0], version == MqttProtocolVersion.V500);
        for (var i = bodyStart; i < bytes.Length; i += split)
        {
            probe.Read(bytes.AsSpan(i, Math.Min(split, bytes.Length - i)));
        }

        return formatter.Decode(new MQTTnet.Adapter.ReceivedMqttPacket(bytes[0], new ArraySegment<byte>(bytes, bodyStart, bytes.Length - bodyStart), bytes.Length));
    }
}

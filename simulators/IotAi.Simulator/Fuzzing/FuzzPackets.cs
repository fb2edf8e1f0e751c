using System.Text;
using IotAi.Protocol;
using IotAi.Synthetic;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Simulator.Fuzzing;

/// <summary>
/// Packets for fuzzing the ingress, drawn from one seeded <see cref="Random"/>: well-formed ones that MQTTnet's own
/// serializer writes (with random payloads on the uplink topics), and mutations of them (bits flipped, bytes inserted,
/// cut short, lengths forged) and plain garbage.
/// </summary>
public sealed class FuzzPackets(Random random, MqttProtocolVersion version)
{
    private static readonly byte[] Png = new SyntheticCamera(seed: 5).Next(ImageShape.Circle).Encoded;
    private static readonly string[] Suffixes =
        ["up/telemetry", "up/image", "up/image/7", "up/twin/reported", "up/model/fetch", "up/model/status", "up/model/quality", "up/label", "up/sound", "down/result"];

    private readonly MqttPacketFormatterAdapter _formatter = new(version, new MqttBufferWriter(4096, 256 * 1024));
    private ushort _packetId;

    /// <summary>A CONNECT as the device <paramref name="clientId"/>, with its secret, or one that is wrong.</summary>
    public byte[] Connect(string clientId, string secret) => Encode(new MqttConnectPacket
    {
        ClientId = clientId,
        Username = clientId,
        Password = Encoding.UTF8.GetBytes(random.Next(20) == 0 ? $"{secret}x" : secret),
        CleanSession = random.Next(2) == 0,
        KeepAlivePeriod = (ushort)random.Next(0, 120),
        SessionExpiryInterval = (uint)random.Next(0, 60),
    });

    /// <summary>A well-formed packet a connected client might send; most are publishes on its uplink topics.</summary>
    public byte[] WellFormed(string deviceId) => random.Next(10) switch
    {
        < 7 => Encode(Publish(deviceId)),
        7 => Encode(new MqttSubscribePacket
        {
            PacketIdentifier = NextId(),
            TopicFilters = [new MqttTopicFilter { Topic = random.Next(2) == 0 ? DeviceTopics.DownlinkFilter(deviceId) : "#", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }],
        }),
        8 => Encode(new MqttUnsubscribePacket { PacketIdentifier = NextId(), TopicFilters = ["#"] }),
        _ => Encode(MqttPingReqPacket.Instance),
    };

    /// <summary>A well-formed packet damaged, or bytes that were never a packet.</summary>
    public byte[] Mutated(string deviceId, string secret)
    {
        if (random.Next(10) == 0)
        {
            return Mutate(Connect(deviceId, secret));
        }

        var bytes = random.Next(8) == 0 ? Garbage(random.Next(1, 64)) : WellFormed(deviceId);
        var mutations = random.Next(1, 4);
        for (var i = 0; i < mutations; i++)
        {
            bytes = Mutate(bytes);
        }

        return bytes;
    }

    private MqttPublishPacket Publish(string deviceId)
    {
        var qos = (MqttQualityOfServiceLevel)random.Next(2);
        var packet = new MqttPublishPacket
        {
            Topic = $"{DeviceTopics.Root}/{deviceId}/{Suffixes[random.Next(Suffixes.Length)]}",
            PayloadSegment = Payload(),
            QualityOfServiceLevel = qos,
            PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : NextId(),
        };
        if (version == MqttProtocolVersion.V500 && random.Next(3) == 0)
        {
            packet.UserProperties = [new MqttUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes(random.Next(-5, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)))];
        }

        return packet;
    }

    private byte[] Payload() => random.Next(8) switch
    {
        0 => [],
        1 => Garbage(random.Next(1, 2048)),
        2 => Png[..random.Next(Png.Length)],
        3 => Png,
        4 => Mutate(Telemetry()),
        5 => Encoding.UTF8.GetBytes(new string('[', random.Next(1, 200)) + new string(']', random.Next(200))),
        _ => Telemetry(),
    };

    private byte[] Telemetry() => Encoding.UTF8.GetBytes(random.Next(4) switch
    {
        0 => $$$"""{"seq":{{{random.Next(-3, 1_000_000)}}},"values":{"temperature":{{{random.NextDouble() * 200 - 50}}},"vibration":{{{random.NextDouble()}}},"current":{{{random.Next(30)}}}}}""",
        1 => $$"""{"values":{"temperature":"hot"},"escalate":{{random.Next(2)}}}""",
        2 => $$"""{"name":"sensor-anomaly","version":"{{random.Next(5)}}","state":"active","seq":{{random.Next(100)}},"label":"anomaly"}""",
        _ => $$"""{"sha256":"{{random.Next()}}","chunkSize":{{random.Next(-1, 70000)}},"indexes":[{{random.Next(-1, 100)}}]}""",
    });

    private byte[] Mutate(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return Garbage(random.Next(1, 16));
        }

        var mutated = bytes.ToList();
        var at = random.Next(mutated.Count);
        switch (random.Next(6))
        {
            case 0:
                mutated[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                mutated.InsertRange(at, Garbage(random.Next(1, 16)));
                break;
            case 2:
                mutated.RemoveRange(at, random.Next(1, mutated.Count - at + 1));
                break;
            case 3:
                mutated[at] = (byte)random.Next(256);
                break;
            case 4 when mutated.Count > 1:
                // A forged remaining length, small or huge.
                mutated[1] = (byte)random.Next(256);
                break;
            default:
                mutated.AddRange(mutated.GetRange(at, Math.Min(32, mutated.Count - at)));
                break;
        }

        return [.. mutated];
    }

    private byte[] Garbage(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private ushort NextId() => _packetId = (ushort)(_packetId % ushort.MaxValue + 1);

    private byte[] Encode(MqttPacket packet) => _formatter.Encode(packet).ToArray();
}

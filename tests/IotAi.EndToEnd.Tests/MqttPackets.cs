using System.Buffers.Binary;
using System.Text;

namespace IotAi.EndToEnd.Tests;

/// <summary>Just enough of MQTT 5's wire format for a link to find PUBLISH packets in a stream and look inside them.</summary>
internal static class MqttPackets
{
    /// <summary>One whole MQTT packet, fixed header and all; null at the end of the stream.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream)
    {
        var header = new byte[5];
        if (await stream.ReadAtLeastAsync(header.AsMemory(0, 1), 1, throwOnEndOfStream: false) == 0)
        {
            return null;
        }

        // The type byte, then the remaining length in 1 to 4 bytes of 7 bits each.
        var used = 1;
        do
        {
            await stream.ReadExactlyAsync(header.AsMemory(used++, 1));
        }
        while ((header[used - 1] & 0x80) != 0);
        var at = 1;
        var packet = new byte[used + VariableInteger(header, ref at)];
        header.AsSpan(0, used).CopyTo(packet);
        await stream.ReadExactlyAsync(packet.AsMemory(used));
        return packet;
    }

    /// <summary>A PUBLISH packet's topic and where its payload lies; null for any other packet.</summary>
    public static (string Topic, Range Payload)? Publish(byte[] packet)
    {
        if (packet[0] >> 4 != 3)
        {
            return null;
        }

        var at = 1;
        VariableInteger(packet, ref at);
        var topicLength = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at));
        var topic = Encoding.UTF8.GetString(packet, at + 2, topicLength);
        var qos = (packet[0] >> 1) & 3;
        at += 2 + topicLength + (qos > 0 ? 2 : 0);
        var properties = VariableInteger(packet, ref at);
        return (topic, (at + properties)..);
    }

    /// <summary>An MQTT variable byte integer at <paramref name="at"/>, which moves past it.</summary>
    private static int VariableInteger(byte[] bytes, ref int at)
    {
        var value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var next = bytes[at++];
            value |= (next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
    }
}

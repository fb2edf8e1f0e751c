using System.Buffers.Text;
using IotAi.Grains;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Packets;

namespace IotAi.Gateway.Mqtt;

/// <summary>The ingress's reading of what an uplink says in MQTT 5 user properties: seq, escalate, the device's answer, a tensor call.</summary>
public sealed partial class MqttIngress
{
    /// <summary>What a tensor uplink's user properties say: the binary form's headers, the outputs asked for, and the sequence flags.</summary>
    private static TensorUplink TensorCall(MqttApplicationMessage message, string? model)
    {
        List<string>? headers = null;
        List<string>? outputs = null;
        bool start = false, end = false;
        foreach (var property in message.UserProperties ?? [])
        {
            switch (property.Name)
            {
                case TensorBinary.TensorProperty:
                    (headers ??= []).Add(property.ReadValueAsString());
                    break;
                case TensorBinary.OutputProperty:
                    (outputs ??= []).Add(property.ReadValueAsString());
                    break;
                case TensorBinary.SequenceStartProperty:
                    start = property.ValueBuffer.Span.SequenceEqual("true"u8);
                    break;
                case TensorBinary.SequenceEndProperty:
                    end = property.ValueBuffer.Span.SequenceEqual("true"u8);
                    break;
            }
        }

        return new TensorUplink(model, headers ?? [], outputs ?? [], start, end);
    }

    /// <summary>An image whose device says its own answer stands (<c>escalate=false</c>); telemetry says so in its JSON.</summary>
    private static bool IsAnsweredAtEdge(MqttApplicationMessage message) =>
        Property(message, UserProperties.Escalate) is { } escalate && escalate.ValueBuffer.Span.SequenceEqual("false"u8);

    /// <summary>A user property's value (an image's <c>edge</c> answer or <c>label</c>); the grain reads it.</summary>
    private static string? UserProperty(MqttApplicationMessage message, string name) => Property(message, name)?.ReadValueAsString();

    /// <summary>The first user property named <paramref name="name"/>; a loop, since a lambda over the name would cost a closure per message.</summary>
    private static MqttUserProperty? Property(MqttApplicationMessage message, string name)
    {
        if (message.UserProperties is { } properties)
        {
            foreach (var property in properties)
            {
                if (property.Name == name)
                {
                    return property;
                }
            }
        }

        return null;
    }

    private static bool TryReadSeq(MqttApplicationMessage message, UplinkTopicParse topic, out long? seq)
    {
        seq = topic.Seq;
        if (message.UserProperties is not { } properties)
        {
            return true;
        }

        foreach (var property in properties)
        {
            if (property.Name == UserProperties.Seq)
            {
                // Parsed from its UTF-8 bytes, as long.TryParse(NumberStyles.None) would parse its text, without making the text.
                var digits = property.ValueBuffer.Span;
                if (digits.IsEmpty || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9')
                    || !Utf8Parser.TryParse(digits, out long value, out var used) || used != digits.Length || value <= 0)
                {
                    return false;
                }

                seq = value;
            }
        }

        return true;
    }
}

using System.Buffers.Text;
using MQTTnet;
using MQTTnet.Packets;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// When a message with a Message Expiry Interval expires. MQTTnet keeps the interval a message arrived with but not
/// when it arrived, so the broker stamps the deadline on the message as a user property when it takes it in; the
/// property travels with every copy (queued for an offline session, retained), and <see cref="ClientTermsAdapter"/>
/// reads it, drops what has expired, and sends the rest with the seconds left and without the stamp.
/// </summary>
internal static class MessageExpiry
{
    /// <summary>The stamp's name: '$' keeps it apart from any a client could mean for another client.</summary>
    public const string Property = "$iotai-expires-at";

    /// <summary>Stamps a message that carries an expiry interval with its deadline, once.</summary>
    public static void Stamp(MqttApplicationMessage message, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.MessageExpiryInterval == 0 || TryRead(message.UserProperties, out _, out _))
        {
            return;
        }

        var deadline = time.GetUtcNow().ToUnixTimeMilliseconds() + (message.MessageExpiryInterval * 1000L);
        (message.UserProperties ??= []).Add(new MqttUserProperty(Property, System.Text.Encoding.ASCII.GetBytes(deadline.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    /// <summary>The deadline (Unix milliseconds) stamped in <paramref name="properties"/>, and where the stamp is.</summary>
    public static bool TryRead(List<MqttUserProperty>? properties, out long deadline, out int index)
    {
        (deadline, index) = (0, -1);
        if (properties is null)
        {
            return false;
        }

        for (var i = 0; i < properties.Count; i++)
        {
            if (properties[i].Name == Property && Utf8Parser.TryParse(properties[i].ValueBuffer.Span, out deadline, out _))
            {
                index = i;
                return true;
            }
        }

        return false;
    }

    /// <summary>The properties a client is sent: those of the message less the stamp at <paramref name="stamp"/>.</summary>
    public static List<MqttUserProperty>? WithoutStamp(List<MqttUserProperty> properties, int stamp) =>
        properties.Count == 1 ? null : [.. properties.Where((_, i) => i != stamp)];

    public static bool HasPassed(long deadline, TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds() >= deadline;

    /// <summary>The whole seconds left, at least 1: a message still sendable has not expired.</summary>
    public static uint SecondsLeft(long deadline, TimeProvider time) =>
        (uint)Math.Max(1, (deadline - time.GetUtcNow().ToUnixTimeMilliseconds() + 999) / 1000);
}

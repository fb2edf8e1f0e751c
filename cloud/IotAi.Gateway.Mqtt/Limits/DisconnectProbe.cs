namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// Reads the Session Expiry Interval out of an MQTT 5 DISCONNECT's body. MQTTnet reads an interval of 0 as none, but
/// on DISCONNECT the two differ: 0 ends the session now, none keeps the CONNECT's interval.
/// </summary>
internal static class DisconnectProbe
{
    /// <summary>Bodies longer than this are not read (a DISCONNECT is a few bytes, or a reason string); their interval counts as absent.</summary>
    public const int MaxBody = 1024;

    private const byte SessionExpiryInterval = 0x11;

    /// <summary>The interval the body carries, or null when it carries none (or cannot be read, which MQTTnet then refuses).</summary>
    public static uint? SessionExpiry(ReadOnlySpan<byte> body)
    {
        // A reason code, then the properties' length and the properties; both may be left out.
        if (body.Length < 2)
        {
            return null;
        }

        var (length, i, shift) = (0, 1, 0);
        byte b;
        do
        {
            if (i >= body.Length || shift > 21)
            {
                return null;
            }

            b = body[i++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        var end = Math.Min(body.Length, i + length);
        while (i < end)
        {
            var id = body[i++];
            switch (id)
            {
                case SessionExpiryInterval when i + 4 <= end:
                    return (uint)((body[i] << 24) | (body[i + 1] << 16) | (body[i + 2] << 8) | body[i + 3]);
                case 0x1F or 0x1C when i + 2 <= end: // reason string, server reference
                    i += 2 + ((body[i] << 8) | body[i + 1]);
                    break;
                case 0x26 when i + 2 <= end: // a user property: two strings
                    i += 2 + ((body[i] << 8) | body[i + 1]);
                    if (i + 2 > end)
                    {
                        return null;
                    }

                    i += 2 + ((body[i] << 8) | body[i + 1]);
                    break;
                default:
                    return null;
            }
        }

        return null;
    }
}

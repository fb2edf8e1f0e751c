namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>
/// Marks the shared subscriptions in a SUBSCRIBE or UNSUBSCRIBE as its bytes pass the listener's guard. MQTTnet refuses
/// every <c>$share/</c> filter before any interceptor sees it, so the probe turns the slash after <c>$share</c> into a
/// NUL byte, which no topic or filter may hold (MQTT-4.7.3-2): MQTTnet then stores the subscription like any other,
/// where no publish can match it, and the ingress hands it to the cluster broker, which delivers what matches the real
/// filter to one member of the group. The same filter in an UNSUBSCRIBE is marked alike, so it finds what was stored.
/// </summary>
internal sealed class ShareFilterProbe
{
    /// <summary>How a shared subscription's filter reads once marked: <c>$share</c>, NUL, then <c>{group}/{filter}</c>.</summary>
    public const string MarkedPrefix = "$share\0";

    private enum Expecting
    {
        PacketId,
        PropertiesLength,
        Properties,
        FilterLength,
        Filter,
        Options,
    }

    private static ReadOnlySpan<byte> SharePrefix => "$share/"u8;

    private Expecting _expecting;
    private int _left;
    private int _lengthBytes;
    private int _filterAt;
    private bool _prefixSoFar;
    private bool _subscribe;
    private bool _mqtt5;

    /// <summary>A SUBSCRIBE (0x8_) or UNSUBSCRIBE (0xA_) body starts.</summary>
    public void Start(byte type, bool mqtt5) =>
        (_expecting, _left, _lengthBytes, _subscribe, _mqtt5) = (Expecting.PacketId, 2, 0, (type & 0xF0) == 0x80, mqtt5);

    /// <summary>Reads the next bytes of the body, marking the slash of each <c>$share/</c> filter in place.</summary>
    public void Read(Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            switch (_expecting)
            {
                case Expecting.PacketId:
                    if (--_left == 0)
                    {
                        (_expecting, _left) = _mqtt5 ? (Expecting.PropertiesLength, 0) : (Expecting.FilterLength, 2);
                    }

                    break;
                case Expecting.PropertiesLength:
                    _left |= (b & 0x7F) << (7 * _lengthBytes++);
                    if ((b & 0x80) == 0)
                    {
                        (_expecting, _left) = _left > 0 ? (Expecting.Properties, _left) : (Expecting.FilterLength, 2);
                    }

                    break;
                case Expecting.Properties:
                    if (--_left == 0)
                    {
                        (_expecting, _left) = (Expecting.FilterLength, 2);
                    }

                    break;
                case Expecting.FilterLength:
                    // Two bytes, big-endian: the first shifted up, the second added.
                    _filterAt = _left == 2 ? b << 8 : _filterAt | b;
                    if (--_left == 0)
                    {
                        (_expecting, _left, _filterAt, _prefixSoFar) = (Expecting.Filter, _filterAt, 0, true);
                        if (_left == 0)
                        {
                            AfterFilter();
                        }
                    }

                    break;
                case Expecting.Filter:
                    if (_filterAt < SharePrefix.Length)
                    {
                        _prefixSoFar &= b == SharePrefix[_filterAt];
                        if (_prefixSoFar && _filterAt == SharePrefix.Length - 1)
                        {
                            bytes[i] = 0;
                        }
                    }

                    _filterAt++;
                    if (--_left == 0)
                    {
                        AfterFilter();
                    }

                    break;
                case Expecting.Options:
                    (_expecting, _left) = (Expecting.FilterLength, 2);
                    break;
            }
        }
    }

    private void AfterFilter() => (_expecting, _left) = _subscribe ? (Expecting.Options, 1) : (Expecting.FilterLength, 2);

    /// <summary>The group and filter of a marked shared subscription; false for any other filter, or a marked one that is not valid.</summary>
    public static bool TryRead(string marked, out string group, out string filter)
    {
        (group, filter) = ("", "");
        if (!marked.StartsWith(MarkedPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        // {group}/{filter}: a group of at least one character with no '/', '+' or '#', and a filter after it (MQTT-4.8.2-1, -2).
        var rest = marked[MarkedPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1 || rest.AsSpan(0, slash).ContainsAny('+', '#'))
        {
            return false;
        }

        (group, filter) = (rest[..slash], rest[(slash + 1)..]);
        return true;
    }

    /// <summary>Whether a filter is a marked shared subscription, valid or not.</summary>
    public static bool IsMarked(string filter) => filter.StartsWith(MarkedPrefix, StringComparison.Ordinal);
}

using System.Collections;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// Kept in an MQTT 5 session's items: how many of its client's connections are open, and how many have ended. Every
/// connection is counted in by MQTTnet's connected event and out by its disconnected event (a takeover included), in
/// whatever order a reconnect's events arrive, so an expiry scheduled when one connection ended holds only while no
/// connection is open and none has ended since.
/// </summary>
internal sealed class SessionClock
{
    public const string Key = "iotai.session-clock";

    private int _open;
    private long _ended;

    public static SessionClock Of(IDictionary items)
    {
        if (items[Key] is SessionClock clock)
        {
            return clock;
        }

        clock = new SessionClock();
        items[Key] = clock;
        return clock;
    }

    public void Opened() => Interlocked.Increment(ref _open);

    /// <summary>A connection ended; returns the number that names this end.</summary>
    public long Ended()
    {
        Interlocked.Decrement(ref _open);
        return Interlocked.Increment(ref _ended);
    }

    /// <summary>No connection is open, and none ended since the end numbered <paramref name="end"/>.</summary>
    public bool StillAway(long end) => Volatile.Read(ref _open) <= 0 && Interlocked.Read(ref _ended) == end;
}

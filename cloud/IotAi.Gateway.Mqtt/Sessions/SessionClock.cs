using System.Collections;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>Kept in a session's items from its first scheduled expiry: whether its client came back since.</summary>
internal sealed class SessionClock
{
    public const string Key = "iotai.session-clock";

    private long _token;

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

    /// <summary>The connection ended; the token names this absence.</summary>
    public long Disconnected() => Interlocked.Increment(ref _token);

    public void Reconnected() => Interlocked.Increment(ref _token);

    /// <summary>Nobody connected since the absence <paramref name="token"/> began.</summary>
    public bool StillDue(long token) => Interlocked.Read(ref _token) == token;
}

using IotAi.Protocol;
using MQTTnet;

namespace IotAi.Simulator;

/// <summary>
/// What a device remembers about an uplink until its reply comes: when it left, the right answer (null when
/// none is known, as for a replayed row without a label), and the message itself when a reconnect may have to
/// send it again.
/// </summary>
internal readonly record struct PendingUplink(PayloadKind Kind, long SentAt, string? Truth, MqttApplicationMessage? Message = null);

/// <summary>
/// One device's unanswered uplinks by seq. The send loop adds and the MQTT receive loop takes, so a small lock
/// guards a plain dictionary: it holds at most MaxInFlightPerDevice entries, and thousands of devices each
/// need one, which is cheaper than a ConcurrentDictionary apiece.
/// </summary>
internal sealed class PendingUplinks
{
    private readonly Dictionary<long, PendingUplink> _bySeq = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _bySeq.Count;
            }
        }
    }

    public void Add(long seq, PendingUplink uplink)
    {
        lock (_lock)
        {
            _bySeq[seq] = uplink;
        }
    }

    public bool TryTake(long seq, out PendingUplink uplink)
    {
        lock (_lock)
        {
            return _bySeq.Remove(seq, out uplink);
        }
    }

    /// <summary>Drops uplinks sent before <paramref name="sentBefore"/> (a Stopwatch timestamp) and says how many.</summary>
    public int ExpireSentBefore(long sentBefore)
    {
        lock (_lock)
        {
            var expired = 0;
            foreach (var (seq, uplink) in _bySeq)
            {
                if (uplink.SentAt < sentBefore && _bySeq.Remove(seq))
                {
                    expired++;
                }
            }

            return expired;
        }
    }

    public int ExpireAll() => ExpireSentBefore(long.MaxValue);

    /// <summary>A copy of the unanswered uplinks in seq order, to send again on a new connection.</summary>
    public (long Seq, PendingUplink Uplink)[] Unanswered()
    {
        lock (_lock)
        {
            return [.. _bySeq.OrderBy(static p => p.Key).Select(static p => (p.Key, p.Value))];
        }
    }
}

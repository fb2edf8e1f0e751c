using IotAi.Protocol;

namespace IotAi.Simulator;

/// <summary>What a device remembers about an uplink until its reply comes: when it left, and the right answer.</summary>
internal readonly record struct PendingUplink(PayloadKind Kind, long SentAt, string Truth);

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
}

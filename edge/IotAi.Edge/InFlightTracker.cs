namespace IotAi.Edge;

/// <summary>
/// Remembers, for the last <c>capacity</c> sequence numbers sent, when each was sent and its truth, so a result
/// can be timed and scored. Numbers are tracked in order, so forgetting <c>seq - capacity</c> on each send
/// bounds it without a second structure.
/// </summary>
public sealed class InFlightTracker(int capacity)
{
    private readonly Dictionary<long, Entry> _entries = [];
    private readonly Lock _lock = new();

    /// <summary>Records a send; a resend of the same number restarts its clock.</summary>
    public void Track(long seq, long sentTimestamp, string? truth)
    {
        lock (_lock)
        {
            _entries[seq] = new Entry(sentTimestamp, truth);
            _entries.Remove(seq - capacity);
        }
    }

    public bool TryTake(long seq, out long sentTimestamp, out string? truth)
    {
        lock (_lock)
        {
            var found = _entries.Remove(seq, out var entry);
            sentTimestamp = entry.SentTimestamp;
            truth = entry.Truth;
            return found;
        }
    }

    private readonly record struct Entry(long SentTimestamp, string? Truth);
}

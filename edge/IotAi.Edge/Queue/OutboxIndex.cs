namespace IotAi.Edge.Queue;

/// <summary>
/// The queue's order, in memory: which samples wait, which go next, which to evict. The store keeps the
/// payloads; this keeps ids, sizes, priorities and ages, so choosing never reads the disk. Not thread-safe:
/// <see cref="SqliteOutbox"/> locks around it.
/// </summary>
internal sealed class OutboxIndex
{
    private readonly LinkedList<OutboxEntry> _waiting = new();
    private readonly LinkedList<OutboxEntry>[] _byPriority = [new(), new(), new()];
    private readonly SortedDictionary<long, OutboxEntry> _returned = [];
    private readonly Dictionary<long, OutboxEntry> _all = [];

    /// <summary>Payload bytes of every sample in the queue, taken or not.</summary>
    public long Bytes { get; private set; }

    /// <summary>Samples in the queue, taken or not.</summary>
    public int Count => _all.Count;

    public bool HasWork => _returned.Count > 0 || _waiting.Count > 0;

    /// <summary>Adds a sample: to the waiting line, or, if it already has a number (sent before a restart), to the front.</summary>
    public void Add(OutboxEntry entry)
    {
        _all.Add(entry.Id, entry);
        Bytes += entry.Size;
        if (entry.Seq is { } seq)
        {
            _returned.Add(seq, entry);
            return;
        }

        entry.WaitingNode = _waiting.AddLast(entry);
        entry.PriorityNode = _byPriority[(int)entry.Priority].AddLast(entry);
    }

    /// <summary>
    /// Up to <paramref name="max"/> samples to send: those sent before and not acknowledged, by number; then
    /// the samples enqueued within <paramref name="liveWindow"/>, oldest first; then the backlog, oldest first.
    /// </summary>
    public List<OutboxEntry> Take(int max, DateTimeOffset now, TimeSpan liveWindow)
    {
        var taken = new List<OutboxEntry>(Math.Min(max, Count));
        while (taken.Count < max && _returned.Count > 0)
        {
            var (seq, entry) = _returned.First();
            _returned.Remove(seq);
            taken.Add(entry);
        }

        LinkedListNode<OutboxEntry>? oldestLive = null;
        for (var node = _waiting.Last; node is not null && now - node.Value.Enqueued < liveWindow; node = node.Previous)
        {
            oldestLive = node;
        }

        for (var node = oldestLive; node is not null && taken.Count < max;)
        {
            var next = node.Next;
            taken.Add(Detach(node.Value));
            node = next;
        }

        while (taken.Count < max && _waiting.First is { } oldest)
        {
            taken.Add(Detach(oldest.Value));
        }

        return taken;
    }

    /// <summary>A taken sample goes back to the front, to be sent again under its number.</summary>
    public void Requeue(long id)
    {
        if (_all.TryGetValue(id, out var entry) && entry.Seq is { } seq && entry.WaitingNode is null)
        {
            _returned[seq] = entry;
        }
    }

    /// <summary>A taken sample leaves the queue; false if it had already gone.</summary>
    public bool Remove(long id)
    {
        if (!_all.Remove(id, out var entry))
        {
            return false;
        }

        Bytes -= entry.Size;
        return true;
    }

    /// <summary>Evicts waiting samples, lowest priority and oldest first, until the queue holds at most <paramref name="maxBytes"/>.</summary>
    public List<OutboxEntry> EvictFor(long maxBytes)
    {
        var evicted = new List<OutboxEntry>();
        foreach (var line in _byPriority)
        {
            while (Bytes > maxBytes && line.First is { } oldest)
            {
                evicted.Add(Drop(oldest.Value));
            }
        }

        return evicted;
    }

    /// <summary>Evicts waiting samples that have been queued longer than their priority's time to live.</summary>
    public List<OutboxEntry> Expire(DateTimeOffset now, Func<SamplePriority, TimeSpan> timeToLive)
    {
        var expired = new List<OutboxEntry>();
        for (var priority = 0; priority < _byPriority.Length; priority++)
        {
            var limit = timeToLive((SamplePriority)priority);
            while (_byPriority[priority].First is { } oldest && now - oldest.Value.Enqueued > limit)
            {
                expired.Add(Drop(oldest.Value));
            }
        }

        return expired;
    }

    private OutboxEntry Drop(OutboxEntry entry)
    {
        Detach(entry);
        Remove(entry.Id);
        return entry;
    }

    private OutboxEntry Detach(OutboxEntry entry)
    {
        _waiting.Remove(entry.WaitingNode!);
        _byPriority[(int)entry.Priority].Remove(entry.PriorityNode!);
        entry.WaitingNode = null;
        entry.PriorityNode = null;
        return entry;
    }
}

/// <summary>One queued sample as the index sees it.</summary>
internal sealed class OutboxEntry(long id, int size, SamplePriority priority, DateTimeOffset enqueued, long? seq)
{
    public long Id { get; } = id;

    public int Size { get; } = size;

    public SamplePriority Priority { get; } = priority;

    public DateTimeOffset Enqueued { get; } = enqueued;

    /// <summary>Set the first time the sample is taken, and kept.</summary>
    public long? Seq { get; set; } = seq;

    /// <summary>Whether <see cref="Seq"/> is in the file, so a restart resends under the same number.</summary>
    public bool SeqStored { get; set; }

    public LinkedListNode<OutboxEntry>? WaitingNode { get; set; }

    public LinkedListNode<OutboxEntry>? PriorityNode { get; set; }
}

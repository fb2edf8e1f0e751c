using System.Buffers;
using System.Collections.Concurrent;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// This silo's append-only journal of grain state, written by group commit: a write whose caller finds no write under
/// way does it at once, taking along every record that arrived meanwhile, so many grains' records share one write and,
/// with <see cref="FileGrainStorageOptions.Fsync"/>, one flush. Each caller's task completes once its record is as
/// durable as configured. The journal is cut into segments; a full or old one is rolled over, and compacting it writes
/// each state's newest record into that state's slot files (<see cref="SlotFiles"/>), after which the segment goes.
/// </summary>
/// <remarks>
/// A segment is <c>{journal}/{name}-{number}.log</c>, and <c>{name}.alive</c> stays locked while this silo lives, so
/// another silo can tell a journal left by a crash (see <see cref="OrphanJournals"/>) from one still being written.
/// </remarks>
internal sealed class StateJournal : IDisposable
{
    private readonly string _directory;
    private readonly FileGrainStorageOptions _options;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<long, JournalSegment> _segments = new();
    private readonly ConcurrentDictionary<string, JournalEntry> _dirty = new(StringComparer.Ordinal);
    private readonly FileStream _alive;
    private JournalBatch _open = new();
    private JournalBatch? _spare;
    private bool _writing;
    private bool _rollWanted;
    private JournalSegment _segment;
    private long _records;
    private long _writes;

    public StateJournal(FileGrainStorageOptions options, string name, FileStream alive)
    {
        _options = options;
        _directory = OrphanJournals.DirectoryOf(options.Directory);
        Name = name;
        _alive = alive;
        _segment = Open(1);
    }

    /// <summary>This journal's name, unique to the silo process that writes it.</summary>
    public string Name { get; }

    /// <summary>Records appended, and the writes that carried them.</summary>
    public (long Records, long Writes) Counts => (Interlocked.Read(ref _records), Interlocked.Read(ref _writes));

    /// <summary>Segments rolled over and waiting to be compacted.</summary>
    public IEnumerable<long> Rolled => _segments.Keys.Where(n => n != Volatile.Read(ref _segment).Number);

    /// <summary>The entry of a state with a record not yet in its snapshot.</summary>
    public JournalEntry? DirtyEntry(string path) => _dirty.GetValueOrDefault(path);

    /// <summary>
    /// Appends <paramref name="record"/> (copied before this returns) for <paramref name="entry"/>; the task completes
    /// once it is durable, and carries the write's failure if there is one.
    /// </summary>
    public Task AppendAsync(ReadOnlySpan<byte> record, JournalEntry entry)
    {
        JournalBatch mine;
        lock (_gate)
        {
            mine = _open;
            mine.Add(record, entry);
            if (_writing)
            {
                return mine.Done;
            }

            _writing = true;
            _open = _spare ?? new JournalBatch();
            _spare = null;
        }

        // No write was under way, so this batch holds this record alone and nobody else waits on it.
        var failure = Lead(mine);
        return failure is null ? Task.CompletedTask : Task.FromException(failure);
    }

    /// <summary>Rolls the current segment over at the next write, or now if none is under way and it holds records.</summary>
    public void RollOver()
    {
        lock (_gate)
        {
            if (_writing)
            {
                _rollWanted = true;
                return;
            }

            if (_segment.Length == 0)
            {
                return;
            }

            _writing = true;
            _rollWanted = true;
        }

        Lead(new JournalBatch());
    }

    /// <summary>
    /// Writes batches, this caller's first and then any that gathered meanwhile, until none is left; returns the first
    /// batch's failure, and hands the others' to their callers.
    /// </summary>
    private Exception? Lead(JournalBatch batch)
    {
        Exception? first = null;
        var isFirst = true;
        while (true)
        {
            Exception? failure = null;
            try
            {
                Write(batch);
            }
#pragma warning disable CA1031 // The failure goes to every caller whose record was in the batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }

            batch.Complete(failure);
            if (isFirst)
            {
                (first, isFirst) = (failure, false);
            }

            lock (_gate)
            {
                batch.Reset();
                if (_open.IsEmpty)
                {
                    _spare = batch;
                    _writing = false;
                    return first;
                }

                (batch, _open) = (_open, batch);
            }
        }
    }

    private void Write(JournalBatch batch)
    {
        if ((Volatile.Read(ref _rollWanted) && _segment.Length > 0) || _segment.Length >= _options.SegmentBytes)
        {
            Roll();
        }

        if (batch.IsEmpty)
        {
            return;
        }

        var segment = _segment;
        RandomAccess.Write(segment.Handle, batch.Bytes, segment.Length);
        if (_options.Fsync)
        {
            segment.Flush();
        }

        foreach (var (entry, offset, length) in batch.Records)
        {
            lock (entry)
            {
                // A dirty entry is in the map already: only one the snapshot had caught up with goes back in.
                var clean = !entry.Dirty;
                entry.Locate(segment.Number, segment.Length + offset, length);
                if (clean)
                {
                    _dirty[entry.Path] = entry;
                }
            }
        }

        segment.Length += batch.Bytes.Length;
        Interlocked.Add(ref _records, batch.Records.Count);
        Interlocked.Increment(ref _writes);
    }

    private void Roll()
    {
        Volatile.Write(ref _rollWanted, false);
        Volatile.Write(ref _segment, Open(_segment.Number + 1));
    }

    private JournalSegment Open(long number)
    {
        var path = Path.Combine(_directory, $"{Name}-{number:D8}.log");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        var segment = new JournalSegment(number, path, handle);
        _segments[number] = segment;
        return segment;
    }

    /// <summary>
    /// Writes the newest record of every state in segment <paramref name="number"/> into its snapshot, then deletes the
    /// segment. A state written again since has its newer record in a later segment and stays in the journal.
    /// </summary>
    public void Compact(long number)
    {
        if (number == Volatile.Read(ref _segment).Number || !_segments.TryGetValue(number, out var segment))
        {
            return;
        }

        foreach (var entry in _dirty.Values)
        {
            lock (entry)
            {
                if (entry.Segment == number)
                {
                    WriteSnapshot(entry);
                }
            }
        }

        _segments.TryRemove(number, out _);
        segment.Dispose();
        File.Delete(segment.Path);
    }

    /// <summary>Writes the newest record of the state at <paramref name="path"/> into its snapshot, if the journal holds one.</summary>
    public void Settle(string path)
    {
        if (_dirty.TryGetValue(path, out var entry))
        {
            lock (entry)
            {
                if (entry.Dirty)
                {
                    WriteSnapshot(entry);
                }
            }
        }
    }

    /// <summary>Reads an entry's newest journal record into <paramref name="buffer"/>; the caller holds the entry's lock.</summary>
    public JournalRecord.Parsed ReadRecord(JournalEntry entry, IBufferWriter<byte> buffer)
    {
        var span = buffer.GetSpan(entry.Length)[..entry.Length];
        var read = RandomAccess.Read(_segments[entry.Segment].Handle, span, entry.Offset);
        if (read != entry.Length || !JournalRecord.TryRead(span, out var record))
        {
            throw new InvalidDataException($"The journal record of {entry.Path} at {entry.Offset} in segment {entry.Segment} does not read back whole.");
        }

        buffer.Advance(entry.Length);
        return record;
    }

    private void WriteSnapshot(JournalEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(entry.Length + SlotFiles.HeaderLength);
        var record = ReadRecord(entry, buffer);
        var state = buffer.WrittenSpan[record.StateStart..];
        var slot = new byte[SlotFiles.HeaderLength + state.Length];
        state.CopyTo(slot.AsSpan(SlotFiles.HeaderLength));
        SlotFiles.WriteHeader(slot, record.Version);
        SlotFiles.WriteIfNewer(entry.Path, record.Version, slot, _options.Fsync);
        entry.Settled();
        _dirty.TryRemove(new KeyValuePair<string, JournalEntry>(entry.Path, entry));
    }

    /// <summary>Compacts everything and removes the journal: the silo stops, and its states are all in their snapshots.</summary>
    public void Close()
    {
        var spin = new SpinWait();
        while (true)
        {
            lock (_gate)
            {
                if (!_writing)
                {
                    Roll();
                    break;
                }
            }

            spin.SpinOnce();
        }

        foreach (var number in Rolled.Order().ToList())
        {
            Compact(number);
        }

        // The journal's files go before its lock, so no other silo takes it for one left by a crash.
        foreach (var segment in _segments.Values)
        {
            segment.Dispose();
            File.Delete(segment.Path);
        }

        File.Delete(_alive.Name);
        _alive.Dispose();
    }

    public void Dispose()
    {
        foreach (var segment in _segments.Values)
        {
            segment.Dispose();
        }

        _alive.Dispose();
    }
}

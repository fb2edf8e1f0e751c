namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// One grain state as this silo's journal knows it: its snapshot's path, its key in journal records, the version its
/// activation last read or wrote, and where its newest record not yet in the snapshot lies. The journal sets the place
/// after each write and clears it once the snapshot holds it, both under the entry's lock, which also keeps a snapshot
/// write of this state to one at a time.
/// </summary>
internal sealed class JournalEntry(string path, byte[] key)
{
    public string Path { get; } = path;

    public byte[] Key { get; } = key;

    /// <summary>The version the activation last read or wrote: its ETag.</summary>
    public long Version { get; set; }

    /// <summary>The segment holding the newest record not yet in the snapshot; 0 when the snapshot holds everything.</summary>
    public long Segment { get; private set; }

    public long Offset { get; private set; }

    public int Length { get; private set; }

    public bool Dirty => Segment != 0;

    public void Locate(long segment, long offset, int length) => (Segment, Offset, Length) = (segment, offset, length);

    public void Settled() => (Segment, Offset, Length) = (0, 0, 0);
}

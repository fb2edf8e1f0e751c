namespace IotAi.Gateway.Storage;

public sealed class FileGrainStorageOptions
{
    /// <summary>Where grain state files live.</summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// Flush every write to the disk before it is acknowledged. Off, a write survives the process being killed
    /// (it is in the page cache) but not a power loss; on, it survives both at the cost of an fsync per write.
    /// </summary>
    public bool Fsync { get; set; }

    /// <summary>How often the journal (<see cref="GrainStorageOptions.Journal"/>) is rolled over and what it holds written into the slot files.</summary>
    public TimeSpan CompactInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The size at which a journal segment is rolled over before <see cref="CompactInterval"/> is up.</summary>
    public long SegmentBytes { get; set; } = 16 * 1024 * 1024;
}

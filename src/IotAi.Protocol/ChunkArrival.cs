namespace IotAi.Protocol;

/// <summary>What <see cref="ModelTransfer.Arrived"/> makes of a chunk.</summary>
public enum ChunkArrival
{
    /// <summary>A chunk the transfer lacked: keep it.</summary>
    Taken,

    /// <summary>Of another file, or one already taken: ignore it.</summary>
    NotWanted,

    /// <summary>Not the length the offer says: ignore it, and it is asked for again.</summary>
    WrongLength,
}

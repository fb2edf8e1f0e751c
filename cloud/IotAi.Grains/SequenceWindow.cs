namespace IotAi.Grains;

/// <summary>
/// Duplicate detection by per-device sequence number, as IPsec does against replays: the highest number
/// seen plus a 64-bit mask of the ones just below it. QoS 1 redeliveries and a queue drained after an
/// outage can arrive a little out of order; this accepts each number once in any order within 64.
/// </summary>
[GenerateSerializer, Alias("IotAi.SequenceWindow")]
public struct SequenceWindow
{
    public const int Width = 64;

    [Id(0)] public long Highest { get; private set; }

    [Id(1)] public ulong Seen { get; private set; }

    /// <summary>True the first time <paramref name="seq"/> is offered; false for a repeat or one too old to tell.</summary>
    public readonly bool IsNew(long seq) =>
        seq > Highest || (Highest - seq < Width && (Seen & (1UL << (int)(Highest - seq))) == 0);

    /// <summary>Records <paramref name="seq"/> as processed.</summary>
    public void Accept(long seq)
    {
        if (seq > Highest)
        {
            var shift = seq - Highest;
            Seen = shift >= Width ? 1UL : (Seen << (int)shift) | 1UL;
            Highest = seq;
        }
        else if (Highest - seq < Width)
        {
            Seen |= 1UL << (int)(Highest - seq);
        }
    }
}

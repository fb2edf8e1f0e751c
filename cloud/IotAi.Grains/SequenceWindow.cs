namespace IotAi.Grains;

/// <summary>
/// Duplicate detection by per-device sequence number, as IPsec does against replays: the highest number seen plus a
/// 64-bit mask of the ones just below it, and the numbers below that never seen, as ranges (<see cref="Gaps"/>). A device
/// that sends in order has no gaps, and costs two numbers; numbers below the first one seen count as repeats. Readings can come far out of order, though: through the
/// user's broker, a silo that is down holds its share of every device's readings until it is back, while the others go
/// on; each number is still taken once, however late, as long as the gaps fit <see cref="MaxGaps"/>.
/// </summary>
[GenerateSerializer, Alias("IotAi.SequenceWindow")]
public struct SequenceWindow
{
    public const int Width = 64;

    /// <summary>The most ranges of unseen numbers kept; past it the oldest are forgotten, and a number in them is taken for a repeat.</summary>
    public const int MaxGaps = 1024;

    [Id(0)] public long Highest { get; private set; }

    [Id(1)] public ulong Seen { get; private set; }

    /// <summary>Numbers below the window never seen: ranges <c>[from, to]</c> in ascending order, two numbers each; null when there are none.</summary>
    [Id(2)] public long[]? Gaps { get; private set; }

    /// <summary>True the first time <paramref name="seq"/> is offered; false for a repeat, or one too old to tell.</summary>
    public readonly bool IsNew(long seq) =>
        seq > Highest || (Highest - seq < Width ? (Seen & (1UL << (int)(Highest - seq))) == 0 : GapHolding(seq) >= 0);

    /// <summary>Records <paramref name="seq"/> as processed.</summary>
    public void Accept(long seq)
    {
        if (seq > Highest)
        {
            var shift = seq - Highest;
            KeepLeaving(shift);
            Seen = shift >= Width ? 1UL : (Seen << (int)shift) | 1UL;
            Highest = seq;
        }
        else if (Highest - seq < Width)
        {
            Seen |= 1UL << (int)(Highest - seq);
        }
        else if (GapHolding(seq) is var gap and >= 0)
        {
            Fill(gap, seq);
        }
    }

    /// <summary>The numbers the window moves past unseen, when it moves up by <paramref name="shift"/>, become gaps, oldest first.</summary>
    private void KeepLeaving(long shift)
    {
        if (Highest == 0)
        {
            // The first number seen starts the device's history: an edge agent numbers from the clock, and what lies
            // below its first number was never sent.
            return;
        }

        // Bit i stands for Highest - i; the top `shift` bits leave, and only numbers from 1 up ever count.
        var leaving = shift >= Width ? ulong.MaxValue : ulong.MaxValue << (int)(Width - shift);
        var valid = Highest >= Width ? ulong.MaxValue : (1UL << (int)Highest) - 1;
        var unseen = ~Seen & leaving & valid;
        for (var i = Width - 1; unseen != 0 && i >= 0; i--)
        {
            if ((unseen & (1UL << i)) != 0)
            {
                AddGap(Highest - i, Highest - i);
                unseen &= ~(1UL << i);
            }
        }

        if (shift > Width)
        {
            // Numbers between the old highest and the new window, never seen at all.
            AddGap(Highest + 1, Highest + shift - Width);
        }
    }

    private void AddGap(long from, long to)
    {
        if (Gaps is { Length: > 0 } gaps && gaps[^1] + 1 == from)
        {
            gaps[^1] = to;
            return;
        }

        var kept = Gaps ?? [];
        // Past the bound, the oldest range goes: its numbers are then taken for repeats.
        var drop = kept.Length / 2 >= MaxGaps ? 2 : 0;
        Gaps = [.. kept.AsSpan(drop), from, to];
    }

    /// <summary>The index of the range that holds <paramref name="seq"/>, or -1.</summary>
    private readonly int GapHolding(long seq)
    {
        if (Gaps is not { } gaps)
        {
            return -1;
        }

        var (low, high) = (0, (gaps.Length / 2) - 1);
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (seq < gaps[2 * middle])
            {
                high = middle - 1;
            }
            else if (seq > gaps[(2 * middle) + 1])
            {
                low = middle + 1;
            }
            else
            {
                return middle;
            }
        }

        return -1;
    }

    /// <summary>Takes <paramref name="seq"/> out of the range at <paramref name="gap"/>: shortened, split in two, or gone.</summary>
    private void Fill(int gap, long seq)
    {
        var gaps = Gaps!;
        var (from, to) = (gaps[2 * gap], gaps[(2 * gap) + 1]);
        long[] replaced = (from == seq, to == seq) switch
        {
            (true, true) => [],
            (true, false) => [seq + 1, to],
            (false, true) => [from, seq - 1],
            _ => [from, seq - 1, seq + 1, to],
        };
        long[] result = [.. gaps.AsSpan(0, 2 * gap), .. replaced, .. gaps.AsSpan((2 * gap) + 2)];
        Gaps = result.Length == 0 ? null : result;
    }
}

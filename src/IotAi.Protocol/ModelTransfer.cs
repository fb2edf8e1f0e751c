namespace IotAi.Protocol;

/// <summary>
/// A device's side of one model transfer (docs/protocol.md, "Model updates"): which chunks of the offered file it still
/// lacks, which it has asked for, when to ask for the next window, and when to ask again for chunks that never came
/// (a fetch or a chunk can be lost without the connection dropping: a publish that timed out, a broker queue that
/// overflowed). It holds no bytes: the caller keeps each chunk it is told to take, where it likes. Not thread-safe.
/// </summary>
public sealed class ModelTransfer
{
    /// <summary>How long chunks asked for may go unanswered before they are asked for again, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromSeconds(5);

    private readonly SortedSet<int> _missing;
    private readonly HashSet<int> _requested = [];
    private readonly int _window;
    private readonly TimeProvider _clock;
    private long _lastRequest;

    /// <param name="offer">The offer being fetched.</param>
    /// <param name="missing">The chunks the device lacks: all of them, or fewer when it kept some from an earlier try.</param>
    /// <param name="window">Chunks asked for at once, 1 to <see cref="ModelFetch.MaxIndexes"/>.</param>
    /// <param name="clock">The clock that says when requests go stale.</param>
    /// <param name="staleAfter">How long chunks asked for may go unanswered before they are asked for again; <see cref="DefaultStaleAfter"/> when null.</param>
    public ModelTransfer(ModelOffer offer, IEnumerable<int> missing, int window, TimeProvider? clock = null, TimeSpan? staleAfter = null)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, ModelFetch.MaxIndexes);
        Offer = offer;
        _missing = [.. missing];
        _window = window;
        _clock = clock ?? TimeProvider.System;
        StaleAfter = staleAfter ?? DefaultStaleAfter;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StaleAfter, TimeSpan.Zero, nameof(staleAfter));
    }

    /// <summary>A transfer of every chunk of <paramref name="offer"/>.</summary>
    public static ModelTransfer Whole(ModelOffer offer, int window, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(offer);
        return new ModelTransfer(offer, Enumerable.Range(0, offer.Chunks), window, clock);
    }

    public ModelOffer Offer { get; }

    /// <summary>How long chunks asked for may go unanswered before they are asked for again.</summary>
    public TimeSpan StaleAfter { get; }

    /// <summary>Every chunk has been taken.</summary>
    public bool IsComplete => _missing.Count == 0;

    /// <summary>Chunks asked for and not yet taken.</summary>
    public int Outstanding => _requested.Count;

    /// <summary>
    /// The next window of missing chunks to ask for, once everything asked for before has come; null while chunks are
    /// still on their way, or when none are missing.
    /// </summary>
    public ModelFetch? Next()
    {
        if (_requested.Count > 0 || _missing.Count == 0)
        {
            return null;
        }

        var next = _missing.Take(_window).ToList();
        _requested.UnionWith(next);
        return Request(next);
    }

    /// <summary>The chunks asked for and unanswered for <see cref="StaleAfter"/>, to ask for again; null when there are none.</summary>
    public ModelFetch? Stale() =>
        _requested.Count > 0 && _clock.GetElapsedTime(_lastRequest) >= StaleAfter ? Request([.. _requested.Order()]) : null;

    /// <summary>
    /// Whether a chunk that arrived is one to keep: one this transfer lacks, of the length the offer says. A chunk of
    /// another file, a repeat after a retry, or one of the wrong length is not.
    /// </summary>
    public ChunkArrival Arrived(string sha256, int index, int length)
    {
        if (sha256 != Offer.Sha256 || !_missing.Contains(index))
        {
            return ChunkArrival.NotWanted;
        }

        if (length != ExpectedLength(index))
        {
            return ChunkArrival.WrongLength;
        }

        _missing.Remove(index);
        _requested.Remove(index);
        return ChunkArrival.Taken;
    }

    /// <summary>The length chunk <paramref name="index"/> must have: the chunk size, less for the last.</summary>
    public long ExpectedLength(int index) =>
        index == Offer.Chunks - 1 ? Offer.Size - ((long)index * Offer.ChunkSize) : Offer.ChunkSize;

    private ModelFetch Request(List<int> indexes)
    {
        _lastRequest = _clock.GetTimestamp();
        return new ModelFetch(Offer.Sha256, Offer.ChunkSize, indexes);
    }
}

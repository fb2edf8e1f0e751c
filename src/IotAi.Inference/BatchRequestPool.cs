using System.Collections.Concurrent;

namespace IotAi.Inference;

/// <summary>
/// A batcher's spare requests. It keeps at most as many as were ever in flight at once, capped, so a burst of
/// callers waiting on a full queue does not leave thousands of idle requests behind.
/// </summary>
internal sealed class BatchRequestPool(int inputLength, int capacity)
{
    private readonly ConcurrentQueue<BatchRequest> _spare = new();
    private int _spareCount;

    public BatchRequest Rent()
    {
        if (_spare.TryDequeue(out var request))
        {
            Interlocked.Decrement(ref _spareCount);
            return request;
        }

        return new BatchRequest(this, inputLength);
    }

    /// <summary>Drops the spares; requests out now still come back to the pool.</summary>
    public void Clear()
    {
        while (_spare.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _spareCount);
        }
    }

    public void Return(BatchRequest request)
    {
        if (Interlocked.Increment(ref _spareCount) <= capacity)
        {
            _spare.Enqueue(request);
        }
        else
        {
            Interlocked.Decrement(ref _spareCount);
        }
    }
}

using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace IotAi.Inference;

/// <summary>
/// One queued sample and the awaitable its caller holds. Requests are pooled per batcher, with their feature
/// buffer, so a request costs no task, no completion source and no array: at a few microseconds a sample those
/// allocations were a large share of the host's cost.
/// </summary>
internal sealed class BatchRequest : IValueTaskSource<Prediction>
{
    private readonly BatchRequestPool _pool;
    private ManualResetValueTaskSourceCore<Prediction> _core;

    public BatchRequest(BatchRequestPool pool, int inputLength)
    {
        _pool = pool;
        Features = new float[inputLength];
        // See DynamicBatcher.Execute for why answers continue callers inline.
        _core.RunContinuationsAsynchronously = false;
    }

    public float[] Features { get; }

    /// <summary>The caller's span, for the batch's links; default when nobody records.</summary>
    public ActivityContext Caller { get; set; }

    /// <summary>The awaitable for this use of the request; valid until its result is read once.</summary>
    public ValueTask<Prediction> Pending => new(this, _core.Version);

    public void SetResult(Prediction prediction) => _core.SetResult(prediction);

    public void SetException(Exception error) => _core.SetException(error);

    public Prediction GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // The result has been read: nobody holds this request any more, so the next caller may have it.
            _core.Reset();
            Caller = default;
            _pool.Return(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

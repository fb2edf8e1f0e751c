using System.Diagnostics;
using System.Threading.Channels;

namespace IotAi.Inference;

/// <summary>
/// Collects single-sample requests into batches for one model: it takes what is queued, waits at most
/// <see cref="BatchingOptions.MaxQueueDelay"/> for more, and runs up to <see cref="BatchingOptions.MaxBatchSize"/>
/// at once. While a batch runs, new requests queue up, so under load batches fill by themselves.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly OnnxModel _model;
    private readonly BatchingOptions _options;
    private readonly Channel<BatchRequest> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly BatchRequestPool _requests;
    private int _pending;
    private bool _closed;
    private float[] _inputs = [];
    private float[] _scores = [];
    private CancellationTokenSource _idle = new();
    private bool _holding;

    // How long a sample has lately taken, and the queue wait it is weighed against, in stopwatch ticks.
    private readonly ModelPace _pace = new();
    private readonly long _maxWaitTicks;

    /// <summary>Spare requests kept for reuse hold at most this many bytes of samples once the batcher is idle.</summary>
    private const long SpareBytes = 8L * 1024 * 1024;

    public DynamicBatcher(OnnxModel model, BatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options;
        _maxWaitTicks = (long)(options.MaxQueueWait.TotalSeconds * Stopwatch.Frequency);
        Capacity = options.CapacityFor(model.Manifest.InputLength);
        _queue = Channel.CreateBounded<BatchRequest>(new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // Spares outlive a surge: as many as a queue that fills, but for large samples no more than a few batches' worth.
        var spares = Math.Min(Capacity, Math.Max(2 * options.MaxBatchSize, (int)Math.Min(int.MaxValue, SpareBytes / Math.Max(1L, model.Manifest.InputLength * (long)sizeof(float)))));
        _requests = new BatchRequestPool(model.Manifest.InputLength, spares + options.MaxBatchSize);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Raised after every batch with its size and how long the model took; for telemetry.</summary>
    public event Action<int, TimeSpan>? BatchCompleted;

    /// <summary>
    /// Raised when the batcher, idle for <see cref="BatchingOptions.IdleRelease"/>, has given back what its batches
    /// took; with the exception, if ONNX Runtime could not shrink its arenas (the buffers and spares went regardless).
    /// </summary>
    public event Action<Exception?>? Released;

    /// <summary>The most requests that wait for a batch (<see cref="BatchingOptions.CapacityFor"/>).</summary>
    public int Capacity { get; }

    /// <summary>Requests queued or running now.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Queues one sample; completes when the batch it joined has run. With <see cref="Capacity"/> requests already
    /// waiting, or more than <see cref="BatchingOptions.MaxQueueWait"/> of work at the pace the model has lately kept,
    /// it throws <see cref="ModelBusyException"/> at once instead.
    /// </summary>
    public ValueTask<Prediction> InferAsync(ReadOnlyMemory<float> features, CancellationToken cancellationToken = default)
    {
        var length = _model.Manifest.InputLength;
        if (features.Length != length)
        {
            throw new ArgumentException($"Model {_model.Manifest.Name} takes {length} values, not {features.Length}.", nameof(features));
        }

        var request = _requests.Rent();
        features.Span.CopyTo(request.Features);
        // The batch that serves this request links to the caller's span, so a trace shows which batch answered it.
        request.Caller = Activity.Current is { Recorded: true } caller ? caller.Context : default;
        var ahead = Interlocked.Increment(ref _pending) - 1;
        var tooLong = _pace.TooLong(ahead, _maxWaitTicks);
        if (tooLong || !_queue.Writer.TryWrite(request))
        {
            Interlocked.Decrement(ref _pending);
            request.Caller = default;
            _requests.Return(request);
            return ValueTask.FromException<Prediction>(Volatile.Read(ref _closed)
                ? new ChannelClosedException("The model is being unloaded.")
                : new ModelBusyException(_model.Manifest.Name, _model.Manifest.Version, ahead,
                    tooLong ? $"more than {_options.MaxQueueWait.TotalSeconds:0.#} s of work at its recent pace" : $"its queue holds {Capacity}"));
        }

        // A caller that may give up waits on a task of its own; the request still runs, and goes back to the
        // pool when its batch completes it.
        return cancellationToken.CanBeCanceled ? new(request.Pending.AsTask().WaitAsync(cancellationToken)) : request.Pending;
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _closed, true);
        _queue.Writer.TryComplete();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<BatchRequest>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        var delay = new CancellationTokenSource();
        while (await WaitForRequestsAsync(reader))
        {
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            if (batch.Count < _options.MaxBatchSize && _options.MaxQueueDelay > TimeSpan.Zero)
            {
                // A source that has fired cannot be reset: the next wait needs a fresh one.
                if (!delay.TryReset())
                {
                    delay.Dispose();
                    delay = new CancellationTokenSource();
                }

                await FillUntilDeadlineAsync(reader, batch, delay);
            }

            Execute(batch);
            batch.Clear();
        }

        delay.Dispose();
        _idle.Dispose();
    }

    /// <summary>
    /// Waits for the next request. A batcher holding what its batches took gives it back once it has waited
    /// <see cref="BatchingOptions.IdleRelease"/> in vain, then waits on.
    /// </summary>
    private async ValueTask<bool> WaitForRequestsAsync(ChannelReader<BatchRequest> reader)
    {
        if (!_holding || reader.TryPeek(out _))
        {
            return await reader.WaitToReadAsync();
        }

        // A source whose timer has not fired is reused, so a batcher that waits between batches makes no timer of its own each time.
        if (!_idle.TryReset())
        {
            _idle.Dispose();
            _idle = new CancellationTokenSource();
        }

        _idle.CancelAfter(_options.IdleRelease);
        try
        {
            return await reader.WaitToReadAsync(_idle.Token);
        }
        catch (OperationCanceledException) when (_idle.IsCancellationRequested)
        {
            Release();
            return await reader.WaitToReadAsync();
        }
    }

    /// <summary>Lets go of the buffers, spares and arena the batches took; the next batch takes them afresh.</summary>
    private void Release()
    {
        (_inputs, _scores, _holding) = ([], [], false);
        _requests.Clear();
        Exception? arenaKept = null;
        try
        {
            _model.ReleaseArena();
        }
#pragma warning disable CA1031 // A model that cannot run a zero sample keeps its arena; the batcher must go on serving it, and telemetry counts it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            arenaKept = ex;
        }

        Released?.Invoke(arenaKept);
    }

    private async Task FillUntilDeadlineAsync(ChannelReader<BatchRequest> reader, List<BatchRequest> batch, CancellationTokenSource delay)
    {
        delay.CancelAfter(_options.MaxQueueDelay);
        try
        {
            while (batch.Count < _options.MaxBatchSize && await reader.WaitToReadAsync(delay.Token))
            {
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var request))
                {
                    batch.Add(request);
                }
            }
        }
        catch (OperationCanceledException) when (delay.IsCancellationRequested)
        {
            // The deadline passed: run what has arrived.
        }
    }

    private void Execute(List<BatchRequest> batch)
    {
        var inputLength = _model.Manifest.InputLength;
        var labels = _model.Manifest.Labels.Count;
        // The batcher's own buffers, the size of the largest batch so far: one batch runs at a time. Rented from the
        // shared pool, an image model's 19 MB batch buffers stayed behind in the pool of every thread that ran a batch.
        var inputs = Grown(ref _inputs, batch.Count * inputLength);
        var scores = Grown(ref _scores, batch.Count * labels);
        _holding = true;
        Exception? failure = null;
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Features.CopyTo(inputs.AsSpan(i * inputLength));
            }

            using var activity = InferenceTelemetry.Source.HasListeners() && batch.Exists(static r => r.Caller != default) ? BatchActivity(batch) : null;
            var started = Stopwatch.GetTimestamp();
            _model.Run(inputs, batch.Count, scores);
            var ended = Stopwatch.GetTimestamp();
            _pace.Record(ended - started, batch.Count);
            BatchCompleted?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started, ended));
        }
#pragma warning disable CA1031 // Every waiting caller must hear of the failure, whatever it is.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        // The batch no longer needs the session, so a version waiting to unload may go once its callers hear.
        Interlocked.Add(ref _pending, -batch.Count);

        // Callers continue here, on the batcher's thread, unless they await on a scheduler of their own (a grain
        // does: its turn is posted to the activation). Measured with 64 callers on the sensor model, a thread-pool
        // hop per request cost about 0.8 µs of CPU a sample and one hop per batch 0.5 µs, against 0.6 µs for the
        // model itself; the price is that a caller doing heavy synchronous work after its answer delays the next
        // batch, so such callers should yield first.
        for (var i = 0; i < batch.Count; i++)
        {
            if (failure is null)
            {
                batch[i].SetResult(Prediction.FromScores(scores.AsSpan(i * labels, labels).ToArray()));
            }
            else
            {
                batch[i].SetException(failure);
            }
        }
    }

    private static float[] Grown(ref float[] buffer, int length) => buffer.Length >= length ? buffer : buffer = new float[length];

    /// <summary>A batch's span: a root of its own, linked to every request it served (nothing is made when nobody listens).</summary>
    private Activity? BatchActivity(List<BatchRequest> batch)
    {
        var activity = InferenceTelemetry.Source.StartActivity(ActivityKind.Internal, parentContext: default,
            links: [.. batch.Where(static r => r.Caller != default).Select(static r => new ActivityLink(r.Caller))], name: $"infer batch {_model.Manifest.Name}");
        activity?.SetTag("iotai.model", _model.Manifest.Name);
        activity?.SetTag("iotai.model.version", _model.Manifest.Version);
        activity?.SetTag("iotai.batch.size", batch.Count);
        return activity;
    }
}

using System.Buffers;
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
    private readonly Channel<Request> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public DynamicBatcher(OnnxModel model, BatchingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options;
        _queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Raised after every batch with its size and how long the model took; for telemetry.</summary>
    public event Action<int, TimeSpan>? BatchCompleted;

    /// <summary>Queues one sample; completes when the batch it joined has run.</summary>
    public async ValueTask<Prediction> InferAsync(ReadOnlyMemory<float> features, CancellationToken cancellationToken = default)
    {
        var length = _model.Manifest.InputLength;
        if (features.Length != length)
        {
            throw new ArgumentException($"Model {_model.Manifest.Name} takes {length} values, not {features.Length}.", nameof(features));
        }

        var buffer = ArrayPool<float>.Shared.Rent(length);
        features.Span.CopyTo(buffer);
        // The batch that serves this request links to the caller's span, so a trace shows which batch answered it.
        var request = new Request(buffer) { Caller = Activity.Current is { Recorded: true } caller ? caller.Context : default };
        try
        {
            await _queue.Writer.WriteAsync(request, cancellationToken);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(buffer);
            throw;
        }

        return await request.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<Request>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        var delay = new CancellationTokenSource();
        while (await reader.WaitToReadAsync())
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
    }

    private async Task FillUntilDeadlineAsync(ChannelReader<Request> reader, List<Request> batch, CancellationTokenSource delay)
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

    private void Execute(List<Request> batch)
    {
        var inputLength = _model.Manifest.InputLength;
        var labels = _model.Manifest.Labels.Count;
        var inputs = ArrayPool<float>.Shared.Rent(batch.Count * inputLength);
        var scores = ArrayPool<float>.Shared.Rent(batch.Count * labels);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Features.AsSpan(0, inputLength).CopyTo(inputs.AsSpan(i * inputLength));
                ArrayPool<float>.Shared.Return(batch[i].Features);
            }

            using var activity = InferenceTelemetry.Source.HasListeners() && batch.Exists(static r => r.Caller != default) ? BatchActivity(batch) : null;
            var started = Stopwatch.GetTimestamp();
            _model.Run(inputs, batch.Count, scores);
            BatchCompleted?.Invoke(batch.Count, Stopwatch.GetElapsedTime(started));
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(Prediction.FromScores(scores.AsSpan(i * labels, labels).ToArray()));
            }
        }
#pragma warning disable CA1031 // Every waiting caller must hear of the failure, whatever it is.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var request in batch)
            {
                request.Completion.TrySetException(ex);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>A batch's span: a root of its own, linked to every request it served (nothing is made when nobody listens).</summary>
    private Activity? BatchActivity(List<Request> batch)
    {
        var activity = InferenceTelemetry.Source.StartActivity(ActivityKind.Internal, parentContext: default,
            links: [.. batch.Where(static r => r.Caller != default).Select(static r => new ActivityLink(r.Caller))], name: $"infer batch {_model.Manifest.Name}");
        activity?.SetTag("iotai.model", _model.Manifest.Name);
        activity?.SetTag("iotai.model.version", _model.Manifest.Version);
        activity?.SetTag("iotai.batch.size", batch.Count);
        return activity;
    }

    private sealed class Request(float[] features)
    {
        public float[] Features { get; } = features;

        public ActivityContext Caller { get; init; }

        public TaskCompletionSource<Prediction> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

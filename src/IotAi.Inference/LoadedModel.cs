using System.Diagnostics;
using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Inference;

/// <summary>A model version that is serving: its session behind a dynamic batcher, plus how to read its input.</summary>
public sealed class LoadedModel : IAsyncDisposable
{
    private readonly OnnxModel _model;
    private readonly DynamicBatcher? _batcher;
    private int _inFlight;
    private long _lastUsed = Environment.TickCount64;
    private readonly PayloadLimits _limits;

    /// <param name="model">The session to serve.</param>
    /// <param name="batching">How requests are batched.</param>
    /// <param name="limits">How large and deep an input may be; <see cref="PayloadLimits.Default"/> when null.</param>
    public LoadedModel(OnnxModel model, BatchingOptions batching, PayloadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        ArgumentNullException.ThrowIfNull(batching);
        // A graph with a fixed batch of one still queues and serves in order, one sample per call. A tensor model is
        // called with whole tensors (RunTensors), which the batcher, made for rows of floats, does not carry.
        _batcher = !model.Manifest.IsClassifier ? null : new DynamicBatcher(model, model.MaxBatchSize >= batching.MaxBatchSize ? batching : new BatchingOptions
        {
            MaxBatchSize = model.MaxBatchSize,
            MaxQueueDelay = TimeSpan.Zero,
            QueueCapacity = batching.QueueCapacity,
            QueueBytes = batching.QueueBytes,
        });
        Telemetry = model.Manifest.Kind == PayloadKind.Telemetry ? new TelemetryReader(model.Manifest.Features, limits) : null;
        _limits = limits ?? PayloadLimits.Default;
    }

    public ModelManifest Manifest => _model.Manifest;

    /// <summary>Reads telemetry payloads into this model's feature order; null for image models.</summary>
    public TelemetryReader? Telemetry { get; }

    /// <summary>The batcher a classifier's requests queue in; null for a tensor model.</summary>
    public DynamicBatcher? Batcher => _batcher;

    /// <summary>
    /// Reads a payload of this model's kind into <paramref name="features"/> (<see cref="ModelManifest.InputLength"/>
    /// long): telemetry JSON through <see cref="Telemetry"/>, an image through its preprocessing recipe. Returns the
    /// sequence number and escalation flag a telemetry payload carries, and why a payload cannot be read.
    /// </summary>
    public (long? Seq, bool? Escalate, string? Error) ReadInput(ReadOnlySpan<byte> payload, Span<float> features)
    {
        if (Telemetry is not null)
        {
            var read = Telemetry.Read(payload, features);
            return (read.Seq, read.Escalate, read.Error);
        }

        return (null, null, ImagePreprocessor.TryPreprocess(payload, Manifest.Image!, features, _limits));
    }

    /// <summary>The model's inputs and outputs as <see cref="RunTensors"/> callers must meet them.</summary>
    internal TensorSignature Signature => _model.Signature;

    /// <summary>Calls the model with named tensors; see <see cref="OnnxModel.RunTensors"/>.</summary>
    public IReadOnlyList<NamedTensor> RunTensors(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string> outputs)
    {
        Interlocked.Increment(ref _inFlight);
        Touch();
        try
        {
            return _model.RunTensors(inputs, outputs);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Requests queued or running now; a version is unloaded only when this is zero.</summary>
    public int InFlight => Volatile.Read(ref _inFlight) + (_batcher?.Pending ?? 0);

    /// <summary>When the last request arrived, in <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>
    /// Runs one inference before the model takes traffic, since sessions allocate on their first run: a classifier's
    /// zero sample. A tensor model is not warmed: its inputs may have no shape a zero input is sure to fit.
    /// </summary>
    public async Task WarmAsync()
    {
        if (_batcher is not null)
        {
            await InferAsync(new float[Manifest.InputLength]);
        }
    }

    /// <summary>Queues one classifier sample for its batch; a tensor model is called with <see cref="RunTensors"/>.</summary>
    public ValueTask<Prediction> InferAsync(ReadOnlyMemory<float> features, CancellationToken cancellationToken = default)
    {
        if (_batcher is null)
        {
            throw new InvalidOperationException($"Model {Manifest.Name} is a tensor model: call it with named tensors.");
        }

        Touch();
        // Only inside a trace someone records: a request of its own would start a trace nobody asked for.
        return Activity.Current is { Recorded: true } && InferenceTelemetry.Source.HasListeners()
            ? TracedInferAsync(features, cancellationToken)
            : _batcher.InferAsync(features, cancellationToken);
    }

    /// <summary>One request's wait for its batch as a span; the batch's own span links back to this one.</summary>
    private async ValueTask<Prediction> TracedInferAsync(ReadOnlyMemory<float> features, CancellationToken cancellationToken)
    {
        using var activity = InferenceTelemetry.Source.StartActivity($"infer {Manifest.Name}");
        activity?.SetTag("iotai.model", Manifest.Name);
        activity?.SetTag("iotai.model.version", Manifest.Version);
        return await _batcher!.InferAsync(features, cancellationToken);
    }

    /// <summary>
    /// Callers arrive millions of times a second while the clock moves once a millisecond: writing only when it
    /// has moved keeps every core from fighting over this field's cache line.
    /// </summary>
    private void Touch()
    {
        var now = Environment.TickCount64;
        if (Volatile.Read(ref _lastUsed) != now)
        {
            Volatile.Write(ref _lastUsed, now);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.DisposeAsync();
        }

        _model.Dispose();
    }
}

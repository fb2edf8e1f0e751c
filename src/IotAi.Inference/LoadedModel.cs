using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Inference;

/// <summary>A model version that is serving: its session behind a dynamic batcher, plus how to read its input.</summary>
public sealed class LoadedModel : IAsyncDisposable
{
    private readonly OnnxModel _model;
    private readonly DynamicBatcher _batcher;

    public LoadedModel(OnnxModel model, BatchingOptions batching)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        ArgumentNullException.ThrowIfNull(batching);
        // A graph with a fixed batch of one still queues and serves in order, one sample per call.
        _batcher = new DynamicBatcher(model, model.MaxBatchSize >= batching.MaxBatchSize ? batching : new BatchingOptions
        {
            MaxBatchSize = model.MaxBatchSize,
            MaxQueueDelay = TimeSpan.Zero,
            QueueCapacity = batching.QueueCapacity,
        });
        Telemetry = model.Manifest.Kind == PayloadKind.Telemetry ? new TelemetryReader(model.Manifest.Features) : null;
    }

    public ModelManifest Manifest => _model.Manifest;

    /// <summary>Reads telemetry payloads into this model's feature order; null for image models.</summary>
    public TelemetryReader? Telemetry { get; }

    public DynamicBatcher Batcher => _batcher;

    public ValueTask<Prediction> InferAsync(ReadOnlyMemory<float> features, CancellationToken cancellationToken = default) =>
        _batcher.InferAsync(features, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _batcher.DisposeAsync();
        _model.Dispose();
    }
}

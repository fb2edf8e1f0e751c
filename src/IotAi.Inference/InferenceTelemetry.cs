using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace IotAi.Inference;

/// <summary>The model host's meters. Tags name models, never devices.</summary>
public sealed class InferenceTelemetry
{
    public const string MeterName = "IotAi.Inference";

    /// <summary>Spans of inference: one per batch, linked to the requests it served.</summary>
    public const string SourceName = "IotAi.Inference";

    internal static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _idleReleases;
    private readonly ConcurrentDictionary<LoadedModel, byte> _loaded = new();

    public InferenceTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        _batchSize = meter.CreateHistogram<int>("iotai.inference.batch.size", "{sample}", "Samples per ONNX Runtime call");
        _batchDuration = meter.CreateHistogram<double>("iotai.inference.batch.duration", "s", "Time one ONNX Runtime call took",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _idleReleases = meter.CreateCounter<long>("iotai.inference.idle_releases", "{release}",
            "Times a quiet model gave back its batch buffers; iotai.outcome says whether ONNX Runtime's arenas shrank too (released) or not (arena_kept)");
        meter.CreateObservableGauge("iotai.inference.queue.depth", () => _loaded.Keys.Select(static m => new Measurement<int>(m.InFlight,
                new KeyValuePair<string, object?>("iotai.model", m.Manifest.Name), new KeyValuePair<string, object?>("iotai.model.version", m.Manifest.Version))),
            "{request}", "Requests a loaded model version holds: waiting for their batch or in it");
    }

    /// <summary>Records every batch a model runs, and shows its queue until <see cref="Forget"/>.</summary>
    public void Observe(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _loaded.TryAdd(model, 0);
        var tag = new KeyValuePair<string, object?>("iotai.model", model.Manifest.Name);
        if (model.Batcher is { } batcher)
        {
            batcher.BatchCompleted += (size, duration) =>
            {
                _batchSize.Record(size, tag);
                _batchDuration.Record(duration.TotalSeconds, tag);
            };
            batcher.Released += failure => _idleReleases.Add(1, tag, new KeyValuePair<string, object?>("iotai.outcome", failure is null ? "released" : "arena_kept"));
        }
    }

    /// <summary>Stops showing an unloaded model's queue.</summary>
    public void Forget(LoadedModel model) => _loaded.TryRemove(model, out _);
}

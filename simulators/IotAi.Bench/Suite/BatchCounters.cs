using System.Diagnostics.Metrics;
using IotAi.Inference;

namespace IotAi.Bench.Suite;

/// <summary>How many ONNX Runtime calls a silo's model made and how many samples they held, from its /metrics.</summary>
public sealed record BatchCounters(double Calls, double Samples)
{
    private const string Metric = "iotai_inference_batch_size";

    public static async Task<BatchCounters> ReadAsync(SiloProcess silo, string model, CancellationToken cancellationToken)
    {
        var text = await silo.ScrapeMetricsAsync(cancellationToken);
        var label = $"iotai_model=\"{model}\"";
        return new BatchCounters(PrometheusText.Sum(text, Metric + "_count", label), PrometheusText.Sum(text, Metric + "_sum", label));
    }
}

/// <summary>The batches one model runs in this process, heard on the model host's own histogram.</summary>
public sealed class BatchListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _calls;
    private long _samples;

    public BatchListener(string model)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InferenceTelemetry.MeterName && instrument.Name == "iotai.inference.batch.size")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "iotai.model" && Equals(tag.Value, model))
                {
                    Interlocked.Increment(ref _calls);
                    Interlocked.Add(ref _samples, size);
                }
            }
        });
        _listener.Start();
    }

    public double Mean => Interlocked.Read(ref _calls) is > 0 and var calls ? (double)Interlocked.Read(ref _samples) / calls : 0;

    public void Dispose() => _listener.Dispose();
}

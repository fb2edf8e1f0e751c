using System.ComponentModel.DataAnnotations;

namespace IotAi.Inference;

/// <summary>The dynamic batcher's limits, as Triton names them.</summary>
public sealed class BatchingOptions
{
    /// <summary>The most samples one ONNX Runtime call takes.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// How long the first sample of a batch may wait for others. The default, 0, batches what is queued when the
    /// model is free: under load batches fill by themselves while the previous one runs, and a lone request never
    /// waits. A delay trades latency for fuller batches under moderate load; .NET timers are coarse (a 1 ms wait
    /// measured about 4 ms here), so set it in milliseconds, not microseconds.
    /// </summary>
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Requests waiting beyond this push back on their callers instead of growing memory.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 4096;
}

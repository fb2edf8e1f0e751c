using System.ComponentModel.DataAnnotations;

namespace IotAi.Inference;

/// <summary>The dynamic batcher's limits, as Triton names them.</summary>
public sealed class BatchingOptions
{
    /// <summary>The most samples one ONNX Runtime call takes.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>How long the first sample of a batch may wait for others; 0 batches only what is already queued.</summary>
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Requests waiting beyond this push back on their callers instead of growing memory.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 4096;
}

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

    /// <summary>
    /// The most requests that wait for a batch. One more is refused at once (<see cref="ModelBusyException"/>), so a
    /// surge costs the devices a "send it again later" rather than growing memory or a wait past their timeouts.
    /// </summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>
    /// The most bytes of samples that wait for a batch: a model whose samples are large (an image model's are some
    /// 600 KB) queues fewer of them than <see cref="QueueCapacity"/>, though never fewer than one batch.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long QueueBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The longest a sample should wait for its batch, judged from how long the model has lately taken a sample: a
    /// sample that would wait longer behind those already queued is refused at once as busy. The queue's bounds in
    /// samples and bytes keep memory bounded; this keeps a slow model's queue (ResNet18 on a busy core) from holding
    /// readings past the patience of the devices that sent them, which would have them time out while still queued.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a model's batcher waits with nothing to do before it gives back what its largest batch took: its batch
    /// buffers, its spare requests and ONNX Runtime's arena. After a surge of camera images that is hundreds of
    /// megabytes; a batcher that is busy never waits this long, and one that wakes again allocates its first batch afresh.
    /// </summary>
    public TimeSpan IdleRelease { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many requests wait at most for a model whose samples are <paramref name="inputLength"/> floats.</summary>
    public int CapacityFor(int inputLength)
    {
        var byBytes = QueueBytes / Math.Max(1L, inputLength * (long)sizeof(float));
        return (int)Math.Max(Math.Min(MaxBatchSize, QueueCapacity), Math.Min(QueueCapacity, byBytes));
    }
}

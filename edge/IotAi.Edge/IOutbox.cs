namespace IotAi.Edge;

/// <summary>
/// The queue between the sources and the MQTT publisher: sources enqueue, the single publisher loop reads
/// one sample at a time and acknowledges it once the broker has (QoS 1 PUBACK) or has refused it for good.
/// A full outbox makes <see cref="EnqueueAsync"/> wait, which slows the sources; nothing is dropped.
/// <see cref="ChannelOutbox"/> keeps samples in memory, so a restart loses what was not yet sent. A later
/// on-disk outbox keeps the same shape: enqueue appends to a file, read returns the oldest unacknowledged
/// sample (again, after a restart), and acknowledge trims it.
/// </summary>
public interface IOutbox
{
    ValueTask EnqueueAsync(EdgeSample sample, CancellationToken cancellationToken);

    /// <summary>Waits for the next sample to send.</summary>
    ValueTask<EdgeSample> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Says the sample last read needs no more sending.</summary>
    ValueTask AcknowledgeAsync(EdgeSample sample, CancellationToken cancellationToken);
}

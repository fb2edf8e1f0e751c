namespace IotAi.Edge.Queue;

/// <summary>
/// The queue between the sources and the MQTT publisher. A sample is on disk before
/// <see cref="EnqueueAsync"/> returns; the publisher takes samples in batches, each with a sequence number
/// that is stored before the sample is first sent and kept for every resend, so the cloud recognises a
/// repeat. A sample leaves the queue only when the broker has acknowledged or refused it for good, or when
/// the queue evicts it (by priority when full, or when it has waited past its time to live), which is counted.
/// </summary>
public interface IOutbox
{
    /// <summary>Stores <paramref name="sample"/>; when this returns, a crash no longer loses it.</summary>
    ValueTask EnqueueAsync(EdgeSample sample, CancellationToken cancellationToken);

    /// <summary>
    /// Waits for samples to send and returns up to <paramref name="max"/>: first those returned after a failed
    /// send (with their numbers, in order), then samples younger than the live window, then the oldest.
    /// </summary>
    ValueTask<IReadOnlyList<OutboundMessage>> TakeAsync(int max, CancellationToken cancellationToken);

    /// <summary>The broker has the message (or refused it for good): it leaves the queue.</summary>
    void Acknowledge(OutboundMessage message);

    /// <summary>A send failed: the message goes back to the head of the queue, to be sent again under the same number.</summary>
    void Requeue(OutboundMessage message);

    OutboxStatistics Statistics { get; }
}

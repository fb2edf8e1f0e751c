namespace IotAi.Edge.Queue;

/// <summary>A queued sample taken for sending, with the sequence number it keeps until the broker acknowledges it.</summary>
/// <param name="Id">Its place in the queue.</param>
/// <param name="Seq">Its uplink sequence number, assigned durably the first time it was taken.</param>
/// <param name="Sample">What to send.</param>
public sealed record OutboundMessage(long Id, long Seq, EdgeSample Sample);

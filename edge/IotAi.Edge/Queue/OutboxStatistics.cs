namespace IotAi.Edge.Queue;

/// <summary>What the queue holds and what it had to let go, since it was created (evictions survive restarts).</summary>
/// <param name="Depth">Samples waiting or in flight.</param>
/// <param name="Bytes">Their payload bytes.</param>
/// <param name="EvictedForSpace">Samples dropped to stay within the size bound, by priority.</param>
/// <param name="Expired">Samples dropped for waiting longer than their priority's time to live, by priority.</param>
/// <param name="DiskBytes">What the queue's files take on disk, log included.</param>
public sealed record OutboxStatistics(
    long Depth,
    long Bytes,
    IReadOnlyDictionary<SamplePriority, long> EvictedForSpace,
    IReadOnlyDictionary<SamplePriority, long> Expired,
    long DiskBytes = 0)
{
    public long Evictions => EvictedForSpace.Values.Sum() + Expired.Values.Sum();
}

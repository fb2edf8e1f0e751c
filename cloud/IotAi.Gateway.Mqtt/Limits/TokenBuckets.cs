using System.Threading.RateLimiting;

namespace IotAi.Gateway.Mqtt.Limits;

internal static class TokenBuckets
{
    /// <summary>
    /// A bucket of <paramref name="burst"/> tokens that refills at <paramref name="perSecond"/>. It is refilled by
    /// <see cref="ReplenishingRateLimiter.TryReplenish"/> from the time elapsed, just before each use, rather than by a timer of
    /// its own: with one bucket per device, a timer each would mean thousands of timers firing for idle devices.
    /// Nothing queues: over the limit is refused at once.
    /// </summary>
    public static TokenBucketRateLimiter PerSecond(int perSecond, int burst) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        AutoReplenishment = false,
        QueueLimit = 0,
    });
}

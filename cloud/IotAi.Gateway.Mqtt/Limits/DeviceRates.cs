using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// Each connected client's publish budget: a token bucket of messages and one of payload bytes, made at its first
/// publish and released when it disconnects. A client over budget is refused (PUBACK Quota exceeded), never
/// delayed: MQTTnet reads a connection's packets one at a time, so holding a PUBACK would stall the client's
/// whole connection, keep-alives included, and tie up the broker while it waited.
/// </summary>
internal sealed class DeviceRates(MqttLimitsOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);

    /// <summary>How many clients hold a budget now.</summary>
    public int Count => _budgets.Count;

    /// <summary>Spends one message and <paramref name="bytes"/> of the client's budget, or says why it cannot.</summary>
    public LimitRefusal<MqttPubAckReasonCode>? TrySpend(string clientId, long bytes)
    {
        var budget = _budgets.GetOrAdd(clientId, static (_, o) => new Budget(o), options);
        return budget.TrySpend(bytes, options);
    }

    /// <summary>Forgets a client that disconnected; its next connection starts with a full budget.</summary>
    public void Release(string clientId)
    {
        if (_budgets.TryRemove(clientId, out var budget))
        {
            budget.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var clientId in _budgets.Keys)
        {
            Release(clientId);
        }
    }

    private sealed class Budget(MqttLimitsOptions options) : IDisposable
    {
        private readonly TokenBucketRateLimiter _messages = TokenBuckets.PerSecond(options.MessagesPerSecond, options.MessageBurst);
        private readonly TokenBucketRateLimiter _bytes = TokenBuckets.PerSecond(options.BytesPerSecond, options.ByteBurst);

        public LimitRefusal<MqttPubAckReasonCode>? TrySpend(long bytes, MqttLimitsOptions limits)
        {
            _messages.TryReplenish();
            _bytes.TryReplenish();
            using var message = _messages.AttemptAcquire();
            if (!message.IsAcquired)
            {
                return LimitRefusals.MessageRate(limits.MessagesPerSecond);
            }

            // A packet larger than the whole bucket could never pass; the packet limit keeps it from coming to that.
            using var payload = bytes <= limits.ByteBurst ? _bytes.AttemptAcquire((int)bytes) : null;
            return payload?.IsAcquired == true ? null : LimitRefusals.ByteRate(limits.BytesPerSecond);
        }

        public void Dispose()
        {
            _messages.Dispose();
            _bytes.Dispose();
        }
    }
}

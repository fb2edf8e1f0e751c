using System.Collections.Concurrent;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// Each connected client's publish budget: a token bucket of messages and one of payload bytes, made at its first
/// publish and released when it disconnects. A client over budget is refused (PUBACK Quota exceeded), never
/// delayed: MQTTnet reads a connection's packets one at a time, so holding a PUBACK would stall the client's
/// whole connection, keep-alives included, and tie up the broker while it waited.
/// </summary>
internal sealed class DeviceRates(MqttLimitsOptions options, TimeProvider clock) : IDisposable
{
    private readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);

    /// <summary>How many clients hold a budget now.</summary>
    public int Count => _budgets.Count;

    /// <summary>Spends one message and <paramref name="bytes"/> of the client's budget, or says why it cannot.</summary>
    public LimitRefusal<MqttPubAckReasonCode>? TrySpend(string clientId, long bytes)
    {
        var budget = _budgets.GetOrAdd(clientId, static (_, rates) => new Budget(rates.options, rates.clock.GetTimestamp()), (options, clock));
        return budget.TrySpend(bytes, options, clock);
    }

    /// <summary>Forgets a client that disconnected; its next connection starts with a full budget.</summary>
    public void Release(string clientId) => _budgets.TryRemove(clientId, out _);

    public void Dispose() => _budgets.Clear();

    /// <summary>
    /// Two token buckets, of messages and of payload bytes, kept as two counts and the time they were last filled, and
    /// refilled from the time elapsed just before each use. The runtime's rate limiters took about 600 bytes a client
    /// with their options, queues and locks, which a connected device kept for as long as it stayed connected; this
    /// takes about 50.
    /// </summary>
    private sealed class Budget(MqttLimitsOptions options, long filled)
    {
        private double _messages = options.MessageBurst;
        private double _bytes = options.ByteBurst;
        private long _filled = filled;

        public LimitRefusal<MqttPubAckReasonCode>? TrySpend(long bytes, MqttLimitsOptions limits, TimeProvider clock)
        {
            // One connection's packets are read one at a time; the lock is for a takeover's overlap.
            lock (this)
            {
                var now = clock.GetTimestamp();
                var seconds = clock.GetElapsedTime(_filled, now).TotalSeconds;
                _filled = now;
                _messages = Math.Min(limits.MessageBurst, _messages + (seconds * limits.MessagesPerSecond));
                _bytes = Math.Min(limits.ByteBurst, _bytes + (seconds * limits.BytesPerSecond));
                if (_messages < 1)
                {
                    return LimitRefusals.MessageRate(limits.MessagesPerSecond);
                }

                _messages--;
                // A packet larger than the whole bucket could never pass; the packet limit keeps it from coming to that.
                if (bytes > _bytes)
                {
                    return LimitRefusals.ByteRate(limits.BytesPerSecond);
                }

                _bytes -= bytes;
                return null;
            }
        }
    }
}

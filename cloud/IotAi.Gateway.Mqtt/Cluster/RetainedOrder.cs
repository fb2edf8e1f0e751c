namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>
/// The store's number of the retained message this silo's MQTTnet holds, by topic. Two silos' retained publishes on one
/// topic reach a third in whatever order the network gives; a silo keeps one only if the store wrote it after the one
/// it holds, so every silo ends on the store's last write.
/// </summary>
internal sealed class RetainedOrder
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _held = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="sequence"/> is the newest write for <paramref name="topic"/> seen here; if so, it is now the one held.</summary>
    public bool IsNewest(string topic, long sequence)
    {
        while (true)
        {
            if (!_held.TryGetValue(topic, out var held))
            {
                if (_held.TryAdd(topic, sequence))
                {
                    return true;
                }
            }
            else if (held >= sequence)
            {
                return false;
            }
            else if (_held.TryUpdate(topic, sequence, held))
            {
                return true;
            }
        }
    }
}

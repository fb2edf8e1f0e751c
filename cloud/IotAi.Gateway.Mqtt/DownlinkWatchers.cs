namespace IotAi.Gateway.Mqtt;

/// <summary>
/// The clients, other than each device itself, whose subscriptions could match a device's downlink topics:
/// observers and services watching the fleet. While there are none, an answer goes straight into its device's
/// session; while there are some, it goes through the broker's routing so that each watcher gets its copy.
/// </summary>
/// <remarks>
/// MQTTnet's routing checks every subscribed session for every message it routes, so with tens of thousands of
/// devices connected, routing one answer costs more than producing it. Subscribing is rare; this is read per answer.
/// </remarks>
internal sealed class DownlinkWatchers
{
    private readonly Dictionary<string, HashSet<string>> _filtersByClient = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private volatile bool _any;

    /// <summary>Whether any client but the device itself may be subscribed to a device's downlinks.</summary>
    public bool Any => _any;

    /// <summary>Whether <paramref name="filter"/> may match device topics (the caller has ruled out a device's own downlink filters).</summary>
    public static bool Watches(string filter) =>
        filter.StartsWith('#') || filter.StartsWith('+') || filter.StartsWith($"{Protocol.DeviceTopics.Root}/", StringComparison.Ordinal);

    public void Subscribed(string clientId, string filter)
    {
        lock (_gate)
        {
            if (!_filtersByClient.TryGetValue(clientId, out var filters))
            {
                _filtersByClient[clientId] = filters = new HashSet<string>(StringComparer.Ordinal);
            }

            filters.Add(filter);
            _any = true;
        }
    }

    public void Unsubscribed(string clientId, string filter)
    {
        lock (_gate)
        {
            if (_filtersByClient.TryGetValue(clientId, out var filters) && filters.Remove(filter) && filters.Count == 0)
            {
                _filtersByClient.Remove(clientId);
            }

            _any = _filtersByClient.Count > 0;
        }
    }

    /// <summary>A session is gone, and its subscriptions with it (a persistent session outlives its connection).</summary>
    public void SessionDeleted(string clientId)
    {
        lock (_gate)
        {
            _filtersByClient.Remove(clientId);
            _any = _filtersByClient.Count > 0;
        }
    }
}

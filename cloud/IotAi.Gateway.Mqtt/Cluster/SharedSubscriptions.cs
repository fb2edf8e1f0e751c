using IotAi.Grains.Broker;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>
/// The shared subscriptions of this silo's clients. A client counts as a member while it is connected: once it goes, the
/// others in its group take over its share (its session keeps the subscription, and it is a member again when it comes
/// back). Connections are counted, not flagged: when a client reconnects, its new connection's event may come before
/// the old one's end.
/// </summary>
internal sealed class SharedSubscriptions
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<(string Group, string Filter), MqttQualityOfServiceLevel>> _byClient = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _connections = new(StringComparer.Ordinal);

    /// <summary>Raised after every change in who is a member.</summary>
    public event Action? Changed;

    public void Subscribed(string clientId, string group, string filter, MqttQualityOfServiceLevel qos) =>
        Change(() =>
        {
            if (!_byClient.TryGetValue(clientId, out var shares))
            {
                _byClient[clientId] = shares = [];
            }

            shares[(group, filter)] = qos;
            // It subscribed, so it is connected, though its connected event came before it had shares to count.
            _connections.TryAdd(clientId, 1);
        });

    public void Unsubscribed(string clientId, string group, string filter) =>
        Change(() => _byClient.GetValueOrDefault(clientId)?.Remove((group, filter)));

    /// <summary>A client connected; counted only for clients with shared subscriptions, so devices cost nothing here.</summary>
    public void Connected(string clientId)
    {
        if (HasShares(clientId))
        {
            Change(() => _connections[clientId] = _connections.GetValueOrDefault(clientId) + 1);
        }
    }

    public void Disconnected(string clientId)
    {
        if (HasShares(clientId))
        {
            Change(() => Disconnect(clientId));
        }
    }

    private bool HasShares(string clientId)
    {
        lock (_lock)
        {
            return _byClient.ContainsKey(clientId);
        }
    }

    private void Disconnect(string clientId)
    {
        if (_connections.GetValueOrDefault(clientId) <= 1)
        {
            _connections.Remove(clientId);
        }
        else
        {
            _connections[clientId]--;
        }
    }

    public void SessionDeleted(string clientId)
    {
        if (HasShares(clientId))
        {
            Change(() => _byClient.Remove(clientId));
        }
    }

    /// <summary>The members connected here now, as the directory is told.</summary>
    public IReadOnlyList<SharedMember> Members(string silo)
    {
        lock (_lock)
        {
            return [.. _byClient
                .Where(c => _connections.ContainsKey(c.Key))
                .SelectMany(c => c.Value.Select(s => new SharedMember(s.Key.Group, s.Key.Filter, c.Key, silo, (int)s.Value)))];
        }
    }

    private void Change(Action change)
    {
        lock (_lock)
        {
            change();
        }

        Changed?.Invoke();
    }
}

using IotAi.Grains.Broker;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains;

/// <summary>
/// The cluster's brokers and shared subscription members, in memory (see <see cref="IBrokerDirectoryGrain"/>). A silo
/// that has not reported for <see cref="StaleAfter"/> is taken out, and its clients with it, so the other members of
/// their groups take over their share. Every change goes to every silo at once.
/// </summary>
public sealed partial class BrokerDirectoryGrain(TimeProvider time, ILogger<BrokerDirectoryGrain> logger) : Grain, IBrokerDirectoryGrain
{
    /// <summary>How long a silo stays in the view without reporting: a few of its report rounds.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, Entry> _silos = new(StringComparer.Ordinal);
    private BrokerClusterView _view = new(Guid.NewGuid(), 0, [], []);

    public Task<BrokerClusterView> ReportAsync(string silo, IBrokerPeer peer, IReadOnlyList<SharedMember> members, string? externalClientId)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(members);
        var now = time.GetUtcNow();
        var changed = !_silos.TryGetValue(silo, out var known) || !known.Peer.Equals(peer) || !known.Shared.SetEquals(members) || known.ExternalClientId != externalClientId;
        _silos[silo] = new Entry(peer, [.. members], externalClientId, now);
        changed |= DropStale(now);
        if (changed)
        {
            Publish(exceptSilo: silo);
        }

        return Task.FromResult(_view);
    }

    public Task LeaveAsync(string silo)
    {
        if (_silos.Remove(silo))
        {
            Publish(exceptSilo: null);
        }

        return Task.CompletedTask;
    }

    private bool DropStale(DateTimeOffset now)
    {
        var stale = _silos.Where(s => now - s.Value.Seen > StaleAfter).Select(static s => s.Key).ToList();
        foreach (var silo in stale)
        {
            _silos.Remove(silo);
            LogSiloGone(silo);
        }

        return stale.Count > 0;
    }

    /// <summary>Makes the new view and sends it to every silo but the one that will get it as its answer.</summary>
    private void Publish(string? exceptSilo)
    {
        _view = new BrokerClusterView(
            _view.Directory,
            _view.Version + 1,
            [.. _silos.OrderBy(static s => s.Key, StringComparer.Ordinal).Select(static s => new BrokerPeerView(s.Key, s.Value.Peer, s.Value.ExternalClientId))],
            [.. _silos.SelectMany(static s => s.Value.Shared)]);
        foreach (var (silo, entry) in _silos)
        {
            if (silo != exceptSilo)
            {
                // One-way: a silo that is gone misses it, and catches up with its next report's answer if it comes back.
                _ = entry.Peer.ViewChangedAsync(_view);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The broker on {Silo} stopped reporting; its clients left their shared subscriptions")]
    private partial void LogSiloGone(string silo);

    private sealed record Entry(IBrokerPeer Peer, HashSet<SharedMember> Shared, string? ExternalClientId, DateTimeOffset Seen);
}

using System.Net;
using System.Threading.RateLimiting;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// What each network address holds: its open sockets, counted from accept to close, those of them that have not
/// sent their whole CONNECT yet, and a token bucket of new connections. An address is forgotten once it holds no socket and its bucket is full again, so a sweep keeps
/// the table as small as the set of addresses actually connected or recently refused.
/// </summary>
internal sealed class AddressLimits : IDisposable
{
    private readonly Dictionary<IPAddress, Entry> _entries = [];
    private readonly MqttLimitsOptions _options;
    private readonly ITimer _sweep;

    public AddressLimits(MqttLimitsOptions options, TimeProvider clock)
    {
        _options = options;
        _sweep = clock.CreateTimer(static state => ((AddressLimits)state!).Sweep(), this, SweepEvery, SweepEvery);
    }

    /// <summary>How often addresses that hold nothing are forgotten.</summary>
    public static TimeSpan SweepEvery { get; } = TimeSpan.FromMinutes(1);

    /// <summary>How many addresses are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Counts a socket just accepted, as one whose CONNECT is still to come. Null when counted; otherwise the reason it
    /// is closed at once, uncounted: the address already holds twice its limit of sockets, or its limit of sockets
    /// that have not connected. Such a flood is closed before anything is read, since it never gets as far as a
    /// CONNECT to refuse.
    /// </summary>
    public string? TryOpen(IPAddress address)
    {
        lock (_entries)
        {
            var entry = EntryFor(address);
            if (entry.Open >= 2L * _options.MaxConnectionsPerAddress)
            {
                return "connections_per_address";
            }

            if (entry.Pending >= _options.MaxPendingConnectionsPerAddress)
            {
                return "pending_per_address";
            }

            entry.Open++;
            entry.Pending++;
            return null;
        }
    }

    /// <summary>A socket of this address has sent its whole CONNECT: it no longer counts as pending.</summary>
    public void ConnectReceived(IPAddress address)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(Normalize(address), out var entry) && entry.Pending > 0)
            {
                entry.Pending--;
            }
        }
    }

    /// <summary>A socket of this address is closed; <paramref name="pending"/> when it never sent its whole CONNECT.</summary>
    public void Close(IPAddress address, bool pending = false)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(Normalize(address), out var entry) && entry.Open > 0)
            {
                entry.Open--;
                entry.Pending -= pending && entry.Pending > 0 ? 1 : 0;
            }
        }
    }

    /// <summary>Why a CONNECT from this address is refused, or null; a refused connection still holds its socket until closed.</summary>
    public LimitRefusal<MQTTnet.Protocol.MqttConnectReasonCode>? CheckConnect(IPAddress address)
    {
        lock (_entries)
        {
            var entry = EntryFor(address);
            entry.Connects.TryReplenish();
            using var lease = entry.Connects.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                return LimitRefusals.ConnectRate(_options.ConnectsPerSecondPerAddress);
            }

            return entry.Open > _options.MaxConnectionsPerAddress ? LimitRefusals.ConnectionsPerAddress(_options.MaxConnectionsPerAddress) : null;
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        lock (_entries)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Connects.Dispose();
            }

            _entries.Clear();
        }
    }

    private void Sweep()
    {
        lock (_entries)
        {
            foreach (var (address, entry) in _entries.ToList())
            {
                entry.Connects.TryReplenish();
                if (entry.Open == 0 && entry.Connects.GetStatistics()?.CurrentAvailablePermits >= _options.ConnectBurstPerAddress)
                {
                    entry.Connects.Dispose();
                    _entries.Remove(address);
                }
            }
        }
    }

    private Entry EntryFor(IPAddress address)
    {
        address = Normalize(address);
        if (!_entries.TryGetValue(address, out var entry))
        {
            entry = new Entry(TokenBuckets.PerSecond(_options.ConnectsPerSecondPerAddress, _options.ConnectBurstPerAddress));
            _entries[address] = entry;
        }

        return entry;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed class Entry(TokenBucketRateLimiter connects)
    {
        public TokenBucketRateLimiter Connects { get; } = connects;

        public long Open { get; set; }

        public long Pending { get; set; }
    }
}

using System.Buffers;
using IotAi.Gateway.Mqtt.Sessions;
using IotAi.Grains;
using IotAi.Grains.Broker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>
/// Makes the silos' brokers one broker for clients other than devices. A message published on any silo outside
/// <c>devices/</c> is carried to every other silo (a <see cref="PeerOutbox"/> each, in order) and routed there to the
/// subscribers at the QoS they asked for; a shared subscription's group gets each message once, at one member on
/// whichever silo it is connected. The silos find each other, and each other's shared subscriptions, through the
/// <see cref="IBrokerDirectoryGrain"/>, reporting every <see cref="MqttIngressOptions.ClusterReportInterval"/> and at
/// once when a member comes or goes.
/// </summary>
public sealed partial class ClusterBroker(
    IGrainFactory grains,
    IOptions<MqttIngressOptions> options,
    GatewayTelemetry telemetry,
    TimeProvider time,
    ILogger<ClusterBroker> logger) : IBrokerPeer, IAsyncDisposable
{
    /// <summary>The sender id of messages carried from another silo: they are routed here, never carried on again.</summary>
    public const string RelayClientId = "$iotai-relay";

    private readonly string _silo = $"{Environment.MachineName}/{Guid.NewGuid():N}";
    private readonly SemaphoreSlim _reportNow = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _viewLock = new();

    private readonly RetainedOrder _retained = new();
    private Dictionary<string, PeerOutbox> _outboxes = new(StringComparer.Ordinal);
    private BrokerClusterView _view = new(Guid.Empty, 0, [], []);
    private ShareGroups _shares = ShareGroups.None;
    private MqttServer? _server;
    private IBrokerPeer? _self;
    private Task _reporting = Task.CompletedTask;

    internal SharedSubscriptions Local { get; } = new();

    /// <summary>This broker's name in the cluster.</summary>
    public string Silo => _silo;

    /// <summary>
    /// Raised when other silos' brokers left the cluster (stopped, or stopped reporting), with them as the view had them,
    /// and whether this silo is the one to take over what they left (the first of the silos that remain, by name).
    /// </summary>
    public event Action<IReadOnlyList<BrokerPeerView>, bool>? SilosGone;

    /// <summary>This silo's client id at the user's broker, in external broker mode; reported to the others.</summary>
    public string? ExternalClientId { get; private set; }

    /// <summary>Every silo's broker, this one's included, as the last view from the directory had them.</summary>
    public IReadOnlyList<BrokerPeerView> Peers => _view.Peers;

    /// <summary>How many other silos this one carries messages to now.</summary>
    public int OtherSilos => _outboxes.Count;

    /// <summary>How many members of <c>$share/{group}/{filter}</c>, on any silo, this silo's publishes take turns between now.</summary>
    public int SharedMembers(string group, string filter) => _shares.Count(group, filter);

    /// <summary>Joins the cluster with the silo's started broker, and in external broker mode its client id at the user's broker.</summary>
    public void Start(MqttServer server, string? externalClientId = null)
    {
        (_server, ExternalClientId) = (server, externalClientId);
        _self = grains.CreateObjectReference<IBrokerPeer>(this);
        Local.Changed += ReportSoon;
        _reporting = ReportAsync(_stopping.Token);
    }

    /// <summary>
    /// A client published <paramref name="message"/> (outside <c>devices/</c>, already stamped with its expiry): a retained
    /// one is written to the cluster's store first; it goes to the other silos for their subscribers, and to one member of
    /// each shared subscription it matches. Returns why a retained message was refused, or null.
    /// </summary>
    public Task<string?> PublishedAsync(MqttApplicationMessage message)
    {
        var (outboxes, shares) = (_outboxes, _shares);
        return outboxes.Count == 0 && shares.IsEmpty && !message.Retain ? NoRefusal : CarryAsync(message, outboxes, shares);
    }

    private static readonly Task<string?> NoRefusal = Task.FromResult<string?>(null);

    private async Task<string?> CarryAsync(MqttApplicationMessage message, Dictionary<string, PeerOutbox> outboxes, ShareGroups shares)
    {
        var relayed = RelayedMessages.From(message, time);
        if (message.Retain)
        {
            var stored = await grains.GetGrain<IRetainedMessagesGrain>(IRetainedMessagesGrain.Key).SetAsync(relayed);
            if (stored.Refusal is not null)
            {
                return stored.Refusal;
            }

            relayed = relayed with { RetainSequence = stored.Sequence };
            // Kept here only if no newer one for the topic came from another silo meanwhile; it is still routed live.
            message.Retain = _retained.IsNewest(message.Topic, stored.Sequence);
        }

        foreach (var outbox in outboxes.Values)
        {
            outbox.Add(relayed);
        }

        foreach (var member in shares.Pick(message.Topic))
        {
            var qos = (MqttQualityOfServiceLevel)Math.Min(member.QualityOfService, (int)message.QualityOfServiceLevel);
            if (member.Silo == _silo)
            {
                await DeliverSharedAsync(member.ClientId, relayed with { QualityOfService = (int)qos, SharedTo = member.ClientId });
            }
            else if (outboxes.TryGetValue(member.Silo, out var outbox))
            {
                outbox.Add(relayed with { QualityOfService = (int)qos, SharedTo = member.ClientId });
            }
            else
            {
                // The member's silo left between the views: its share of this message has nowhere to go.
                telemetry.Dropped("shared");
            }
        }

        return null;
    }

    /// <summary>The cluster's retained messages, for MQTTnet's store as the broker starts.</summary>
    public async Task<List<MqttApplicationMessage>> LoadRetainedAsync()
    {
        var stored = await grains.GetGrain<IRetainedMessagesGrain>(IRetainedMessagesGrain.Key).ListAsync();
        return [.. stored.Where(m => _retained.IsNewest(m.Message.Topic, m.Sequence)).Select(m => RelayedMessages.ToMessage(m.Message, retain: true, time))];
    }

    async Task IBrokerPeer.DeliverAsync(IReadOnlyList<RelayedMessage> messages)
    {
        foreach (var message in messages)
        {
            if (message.SharedTo is { } clientId)
            {
                await DeliverSharedAsync(clientId, message);
            }
            else if (_server is { } server)
            {
                await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(RelayedMessages.ToMessage(message, message.Retain && _retained.IsNewest(message.Topic, message.RetainSequence), time)) { SenderClientId = RelayClientId });
            }
        }
    }

    Task IBrokerPeer.ViewChangedAsync(BrokerClusterView view)
    {
        Apply(view);
        return Task.CompletedTask;
    }

    /// <summary>Puts a shared subscription's copy straight into its member's session here; dropped and counted when the session is gone or full.</summary>
    private async Task DeliverSharedAsync(string clientId, RelayedMessage message)
    {
        MqttSessionStatus? session = null;
        try
        {
            session = _server is null ? null : await _server.GetSessionAsync(clientId);
        }
        catch (InvalidOperationException)
        {
            // The member's session ended between the view and this message.
        }

        if (session is not null && session.TryEnqueueApplicationMessage(RelayedMessages.ToMessage(message, retain: false, time), out _))
        {
            telemetry.Sent("shared");
        }
        else
        {
            telemetry.Dropped("shared");
        }
    }

    private void ReportSoon()
    {
        lock (_viewLock)
        {
            // A member came or went here: rebuild now, so this silo's publishes see it before the directory answers.
            _shares = SharesOf(_view);
        }

        if (_reportNow.CurrentCount == 0)
        {
            try
            {
                _reportNow.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another change asked first: one report carries both.
            }
        }
    }

    private async Task ReportAsync(CancellationToken stopping)
    {
        var directory = grains.GetGrain<IBrokerDirectoryGrain>(IBrokerDirectoryGrain.Key);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                Apply(await directory.ReportAsync(_silo, _self!, Local.Members(_silo), ExternalClientId));
            }
#pragma warning disable CA1031 // The directory may be moving with a silo that left; the next round reports again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (stopping.IsCancellationRequested)
                {
                    // A report in flight when this silo stops may fail with the silo it went to; the stop goes on.
                    return;
                }

                LogReportFailed(ex);
            }

            try
            {
                await _reportNow.WaitAsync(options.Value.ClusterReportInterval, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Takes a view newer than the one held: an outbox for each silo that came, none for those gone, the groups anew.</summary>
    private void Apply(BrokerClusterView view)
    {
        List<PeerOutbox> gone;
        List<BrokerPeerView> silosGone;
        lock (_viewLock)
        {
            if (view.Directory == _view.Directory && view.Version <= _view.Version)
            {
                return;
            }

            silosGone = [.. _view.Peers.Where(p => p.Silo != _silo && view.Peers.All(n => n.Silo != p.Silo))];
            _view = view;
            if (logger.IsEnabled(LogLevel.Debug))
            {
#pragma warning disable CA1873 // Made only when debug logging is on, by the check around it.
                LogView(view.Version, string.Join(", ", view.Peers.Select(static p => $"{p.Silo} ({p.ExternalClientId})")));
#pragma warning restore CA1873
            }

            var outboxes = new Dictionary<string, PeerOutbox>(StringComparer.Ordinal);
            foreach (var peer in view.Peers.Where(p => p.Silo != _silo))
            {
                outboxes[peer.Silo] = _outboxes.TryGetValue(peer.Silo, out var kept) && kept.Peer.Equals(peer.Peer)
                    ? kept
                    : new PeerOutbox(peer.Peer, options.Value.RelayCapacity, telemetry.Dropped);
            }

            gone = [.. _outboxes.Values.Except(outboxes.Values)];
            (_outboxes, _shares) = (outboxes, SharesOf(view));
        }

        foreach (var outbox in gone)
        {
            _ = outbox.DisposeAsync().AsTask();
        }

        if (silosGone.Count > 0)
        {
            var first = view.Peers.Select(static p => p.Silo).Order(StringComparer.Ordinal).FirstOrDefault() == _silo;
            LogSilosGone(silosGone.Count, silosGone[0].Silo, silosGone[0].ExternalClientId, first);
            SilosGone?.Invoke(silosGone, first);
        }
    }

    /// <summary>The other silos' members as the view has them, and this silo's as they are now.</summary>
    private ShareGroups SharesOf(BrokerClusterView view) => new([.. view.Shared.Where(m => m.Silo != _silo), .. Local.Members(_silo)]);

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _reporting;
        try
        {
            await grains.GetGrain<IBrokerDirectoryGrain>(IBrokerDirectoryGrain.Key).LeaveAsync(_silo);
        }
#pragma warning disable CA1031 // Stopping with the cluster: the directory drops this silo once it stops reporting anyway.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogReportFailed(ex);
        }

        // What is queued for the others goes while they take it, for a few seconds at most: a silo that is gone would hold up the stop.
        await Task.WhenAny(Task.WhenAll(_outboxes.Values.Select(static o => o.DisposeAsync().AsTask())), Task.Delay(TimeSpan.FromSeconds(5), time));

        if (_self is not null)
        {
            grains.DeleteObjectReference<IBrokerPeer>(_self);
        }

        _stopping.Dispose();
        _reportNow.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} other silos' brokers left the cluster, {Silo} first (at the user's broker: {ClientId}); this silo takes over what they left: {TakeOver}")]
    private partial void LogSilosGone(int count, string silo, string? clientId, bool takeOver);

    [LoggerMessage(Level = LogLevel.Debug, Message = "View {Version} of the cluster's brokers: {Peers}")]
    private partial void LogView(long version, string peers);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not report this silo's broker to the cluster's directory")]
    private partial void LogReportFailed(Exception exception);
}

using System.Threading.Channels;
using IotAi.Grains.Broker;

namespace IotAi.Gateway.Mqtt.Cluster;

/// <summary>
/// What this silo has to send one other silo, in the order it was published: one sender drains it, a batch per call, and
/// waits for each call before the next, so messages from one publisher arrive in order. Bounded: when the other silo
/// cannot keep up, or is gone, what does not fit is dropped and counted.
/// </summary>
internal sealed class PeerOutbox : IAsyncDisposable
{
    /// <summary>The most messages one call carries.</summary>
    public const int BatchSize = 256;

    private readonly Channel<RelayedMessage> _queue;
    private readonly IBrokerPeer _peer;
    private readonly Action<string, int> _dropped;
    private readonly Task _sending;

    /// <param name="peer">The other silo's broker.</param>
    /// <param name="capacity">How many messages may wait.</param>
    /// <param name="dropped">Told of messages not delivered, with why (<c>relay_full</c>, <c>relay_failed</c>) and how many.</param>
    public PeerOutbox(IBrokerPeer peer, int capacity, Action<string, int> dropped)
    {
        (_peer, _dropped) = (peer, dropped);
        _queue = Channel.CreateBounded<RelayedMessage>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _sending = SendAsync();
    }

    public IBrokerPeer Peer => _peer;

    public void Add(RelayedMessage message)
    {
        if (!_queue.Writer.TryWrite(message))
        {
            _dropped("relay_full", 1);
        }
    }

    private async Task SendAsync()
    {
        var batch = new List<RelayedMessage>(BatchSize);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            try
            {
                await _peer.DeliverAsync([.. batch]);
            }
#pragma warning disable CA1031 // The other silo failed or went away: its subscribers miss these, counted; the next batch tries again.
            catch (Exception)
#pragma warning restore CA1031
            {
                _dropped("relay_failed", batch.Count);
            }

            batch.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sending;
    }
}

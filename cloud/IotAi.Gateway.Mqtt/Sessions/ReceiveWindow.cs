using MQTTnet.Packets;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// A client's Receive Maximum (MQTT 5, 3.3.4): the QoS 1 and 2 PUBLISHes it has not acknowledged, never more than it
/// announced, and those waiting for a slot, sent in the order they came as acknowledgements free slots. Made only for a
/// client that announced a maximum.
/// </summary>
internal sealed class ReceiveWindow(int maximum, int maxWaiting) : IDisposable
{
    private readonly HashSet<ushort> _inFlight = [];
    private readonly Queue<MqttPublishPacket> _waiting = new();

    // One sender at a time, so what waited is never overtaken by what came after it.
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Sends <paramref name="publish"/> now if a slot is free and nothing waits ahead of it, else queues it; past <c>maxWaiting</c> the oldest waiting is dropped.</summary>
    public async Task SendAsync(MqttPublishPacket publish, ISender sender, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            if (_inFlight.Count >= maximum || _waiting.Count > 0)
            {
                _waiting.Enqueue(publish);
                if (_waiting.Count > maxWaiting)
                {
                    sender.Drop(_waiting.Dequeue(), PublishDrop.QueueFull);
                }

                return;
            }

            _inFlight.Add(publish.PacketIdentifier);
            await sender.SendNowAsync(publish, cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>The client acknowledged <paramref name="packetIdentifier"/>: what waited is sent while slots are free, less what expired meanwhile.</summary>
    public async Task AcknowledgedAsync(ushort packetIdentifier, ISender sender, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            if (!_inFlight.Remove(packetIdentifier))
            {
                return;
            }

            while (_inFlight.Count < maximum && _waiting.TryDequeue(out var next))
            {
                if (sender.Refusal(next) is { } refusal)
                {
                    sender.Drop(next, refusal);
                    continue;
                }

                _inFlight.Add(next.PacketIdentifier);
                await sender.SendNowAsync(next, cancellationToken);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose() => _turn.Dispose();

    /// <summary>What the window sends through: the connection, which also judges and drops.</summary>
    public interface ISender
    {
        Task SendNowAsync(MqttPublishPacket publish, CancellationToken cancellationToken);

        PublishDrop? Refusal(MqttPublishPacket publish);

        void Drop(MqttPublishPacket publish, PublishDrop why);
    }
}

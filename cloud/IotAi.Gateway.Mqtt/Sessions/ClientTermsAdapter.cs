using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// Holds the broker, on one connection, to the terms its client announced in CONNECT, which MQTTnet's server
/// reads but does not keep: no PUBLISH larger than the client's Maximum Packet Size, never more unacknowledged
/// QoS 1 and 2 PUBLISHes than its Receive Maximum, no message sent after its expiry and every forwarded one with the
/// time it has left. It also keeps the client to the broker's own terms: topic aliases within the maximum the CONNACK
/// announces (read by <see cref="Limits.TopicAliasProbe"/> before MQTTnet decodes), and a Session Expiry Interval on
/// DISCONNECT only where CONNECT gave one. It sits between MQTTnet's session and the connection's packet adapter, so
/// it sees every packet either way, and costs a connection whose client announced no limits one field check per PUBLISH.
/// </summary>
/// <remarks>
/// A PUBLISH that may not be sent is answered, towards MQTTnet, as the client would have answered it (PUBACK, or
/// PUBREC and then PUBCOMP), so the session forgets it rather than sending it again at every reconnect.
/// </remarks>
internal sealed class ClientTermsAdapter(IMqttChannelAdapter inner, ClientTerms terms) : IMqttChannelAdapter
{
    /// <summary>The Receive Maximum of a client that announced none.</summary>
    private const int Unlimited = ushort.MaxValue;

    private readonly Lock _gate = new();
    private string _clientId = "";
    private uint _maximumPacketSize;
    private int _receiveMaximum = Unlimited;
    private uint _connectSessionExpiry;
    private MqttDisconnectPacket? _disconnect;
    private bool _connected;
    private bool _accepted;
    private bool _takenOver;
    private MqttPacketFormatterAdapter? _measure;

    // Made only for a client that announced a Receive Maximum: the packet ids it has not acknowledged, and what waits for a slot.
    private HashSet<ushort>? _inFlight;
    private Queue<MqttPublishPacket>? _waiting;
    private SemaphoreSlim? _sending;

    // Answers made up for PUBLISHes not sent, handed to MQTTnet as if they came from the client.
    private System.Collections.Concurrent.ConcurrentQueue<MqttPacket>? _madeUp;
    private HashSet<ushort>? _droppedExactlyOnce;

    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public System.Security.Cryptography.X509Certificates.X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public System.Net.EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public System.Net.EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    private bool IsMqtt5 => inner.PacketFormatterAdapter.ProtocolVersion == MqttProtocolVersion.V500;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public void ResetStatistics() => inner.ResetStatistics();

    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        if (_madeUp is { } madeUp && madeUp.TryDequeue(out var answer))
        {
            return answer;
        }

        MqttPacket packet;
        try
        {
            packet = await inner.ReceivePacketAsync(cancellationToken);
        }
        catch (MQTTnet.Exceptions.MqttProtocolViolationException ex) when (!_connected && ex.Message.Contains("MQTT-3.1.3-7", StringComparison.Ordinal))
        {
            // MQTT-3.1.3-8: a 3.1.1 client that asks to keep a session under no id gets Identifier rejected, which
            // MQTTnet's decoder skips by throwing before the server sees the CONNECT.
            await inner.SendPacketAsync(new MqttConnAckPacket { ReturnCode = MqttConnectReturnCode.ConnectionRefusedIdentifierRejected, ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid }, cancellationToken);
            return null!;
        }

        switch (packet)
        {
            case MqttConnectPacket connect:
                Connecting(connect);
                break;
            case MqttPubAckPacket ack:
                await AcknowledgedAsync(ack.PacketIdentifier, cancellationToken);
                break;
            case MqttPubRecPacket { ReasonCode: >= MqttPubRecReasonCode.UnspecifiedError } refused:
                await AcknowledgedAsync(refused.PacketIdentifier, cancellationToken);
                break;
            case MqttPubCompPacket complete:
                await AcknowledgedAsync(complete.PacketIdentifier, cancellationToken);
                break;
            case MqttDisconnectPacket disconnect when _connectSessionExpiry == 0 && disconnect.SessionExpiryInterval != 0:
                // MQTT-3.14.2-2: a session that was to end with its connection cannot be kept at the last moment.
                await EndAsync(MqttDisconnectReasonCode.ProtocolError, "a session that connected with no expiry interval cannot set one on DISCONNECT", cancellationToken);
                return null!;
            case MqttDisconnectPacket disconnect:
                _disconnect = disconnect;
                break;
        }

        return packet;
    }

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => packet switch
    {
        MqttPublishPacket publish => SendPublishAsync(publish, cancellationToken),
        MqttConnAckPacket connAck => SendConnAckAsync(connAck, cancellationToken),
        MqttDisconnectPacket { ReasonCode: MqttDisconnectReasonCode.SessionTakenOver } => TakenOverAsync(packet, cancellationToken),
        MqttPubRelPacket release when ForgetDropped(release.PacketIdentifier) => MadeUp(new MqttPubCompPacket { PacketIdentifier = release.PacketIdentifier }),
        _ => inner.SendPacketAsync(packet, cancellationToken),
    };

    public void Dispose()
    {
        if (_accepted && !_takenOver && IsMqtt5)
        {
            // A DISCONNECT's interval replaces the CONNECT's; absent (read as 0), the CONNECT's stands.
            terms.SessionEnded(_clientId, _disconnect is { SessionExpiryInterval: > 0 } d ? d.SessionExpiryInterval : _connectSessionExpiry);
        }

        _sending?.Dispose();
        inner.Dispose();
    }

    private void Connecting(MqttConnectPacket connect)
    {
        _connected = true;
        if (string.IsNullOrEmpty(connect.ClientId) && connect.CleanSession && !IsMqtt5)
        {
            // MQTT-3.1.3-6: the server may assign an id to a 3.1.1 client with a clean session. MQTTnet only does so for
            // MQTT 5, whose CONNACK can carry it; a 3.1.1 client never needs to know it.
            connect.ClientId = ClientTerms.AssignClientId();
        }

        _clientId = connect.ClientId ?? "";
        _maximumPacketSize = connect.MaximumPacketSize;
        _connectSessionExpiry = connect.SessionExpiryInterval;
        if (connect.ReceiveMaximum is > 0 and < Unlimited)
        {
            _receiveMaximum = connect.ReceiveMaximum;
            (_inFlight, _waiting, _sending) = ([], new Queue<MqttPublishPacket>(), new SemaphoreSlim(1, 1));
        }
    }

    /// <summary>The session lives on in the connection that took it over: its expiry is that connection's business.</summary>
    private Task TakenOverAsync(MqttPacket disconnect, CancellationToken cancellationToken)
    {
        _takenOver = true;
        return inner.SendPacketAsync(disconnect, cancellationToken);
    }

    private Task SendConnAckAsync(MqttConnAckPacket connAck, CancellationToken cancellationToken)
    {
        _accepted = connAck.ReasonCode == MqttConnectReasonCode.Success;
        if (_accepted && IsMqtt5)
        {
            connAck.TopicAliasMaximum = terms.TopicAliasMaximum;
            connAck.MaximumPacketSize = terms.MaximumPacketSize;
        }

        return inner.SendPacketAsync(connAck, cancellationToken);
    }

    private async Task SendPublishAsync(MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        if (Refusal(publish) is { } refusal)
        {
            Drop(publish, refusal);
            return;
        }

        if (publish.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce || _sending is null)
        {
            await SendNowAsync(publish, cancellationToken);
            return;
        }

        await _sending.WaitAsync(cancellationToken);
        try
        {
            lock (_gate)
            {
                if (_inFlight!.Count >= _receiveMaximum || _waiting!.Count > 0)
                {
                    Wait(publish);
                    return;
                }

                _inFlight.Add(publish.PacketIdentifier);
            }

            await SendNowAsync(publish, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Queues a PUBLISH for a free slot; past the broker's queue limit the oldest waiting one is dropped, as MQTTnet drops from its own queue.</summary>
    private void Wait(MqttPublishPacket publish)
    {
        _waiting!.Enqueue(publish);
        if (_waiting.Count > terms.MaxWaitingPerClient)
        {
            Drop(_waiting.Dequeue(), PublishDrop.QueueFull);
        }
    }

    /// <summary>A slot came free: sends what waited for one, in order, while the client's window allows.</summary>
    private async Task AcknowledgedAsync(ushort packetIdentifier, CancellationToken cancellationToken)
    {
        if (_sending is null)
        {
            return;
        }

        lock (_gate)
        {
            if (!_inFlight!.Remove(packetIdentifier) || _waiting!.Count == 0)
            {
                return;
            }
        }

        await _sending.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                MqttPublishPacket next;
                lock (_gate)
                {
                    if (_inFlight!.Count >= _receiveMaximum || !_waiting!.TryDequeue(out next!))
                    {
                        return;
                    }

                    if (Refusal(next) is { } refusal)
                    {
                        // It expired while it waited.
                        Drop(next, refusal);
                        continue;
                    }

                    _inFlight.Add(next.PacketIdentifier);
                }

                await SendNowAsync(next, cancellationToken);
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends a PUBLISH with the expiry it has left, and the gateway's own stamp taken off; the packet is left as it was, in case the session sends it again.</summary>
    private async Task SendNowAsync(MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        if (publish.MessageExpiryInterval == 0 || !MessageExpiry.TryRead(publish.UserProperties, out var deadline, out var stamp))
        {
            await inner.SendPacketAsync(publish, cancellationToken);
            return;
        }

        var (interval, properties) = (publish.MessageExpiryInterval, publish.UserProperties);
        publish.MessageExpiryInterval = MessageExpiry.SecondsLeft(deadline, terms.Time);
        publish.UserProperties = properties!.Count == 1 ? null : [.. properties.Where((_, i) => i != stamp)];
        try
        {
            await inner.SendPacketAsync(publish, cancellationToken);
        }
        finally
        {
            (publish.MessageExpiryInterval, publish.UserProperties) = (interval, properties);
        }
    }

    /// <summary>Why a PUBLISH may not be sent to this client now, or null.</summary>
    private PublishDrop? Refusal(MqttPublishPacket publish)
    {
        if (publish.MessageExpiryInterval > 0 && MessageExpiry.TryRead(publish.UserProperties, out var deadline, out _) && MessageExpiry.HasPassed(deadline, terms.Time))
        {
            return PublishDrop.Expired;
        }

        return _maximumPacketSize > 0 && SizeOf(publish) > _maximumPacketSize ? PublishDrop.TooLarge : null;
    }

    /// <summary>The PUBLISH's size on the wire, as this client would be sent it (without the gateway's expiry stamp, with the time left).</summary>
    private long SizeOf(MqttPublishPacket publish)
    {
        _measure ??= new MqttPacketFormatterAdapter(inner.PacketFormatterAdapter.ProtocolVersion, new MqttBufferWriter(256, 4096));
        lock (_measure)
        {
            var properties = publish.UserProperties;
            if (publish.MessageExpiryInterval > 0 && MessageExpiry.TryRead(properties, out _, out var stamp))
            {
                publish.UserProperties = properties!.Count == 1 ? null : [.. properties.Where((_, i) => i != stamp)];
            }

            try
            {
                return _measure.Encode(publish).Length;
            }
            finally
            {
                publish.UserProperties = properties;
                _measure.Cleanup();
            }
        }
    }

    private void Drop(MqttPublishPacket publish, PublishDrop why)
    {
        terms.Dropped(_clientId, publish, why, why == PublishDrop.TooLarge ? _maximumPacketSize : 0);
        switch (publish.QualityOfServiceLevel)
        {
            case MqttQualityOfServiceLevel.AtLeastOnce:
                MadeUp(new MqttPubAckPacket { PacketIdentifier = publish.PacketIdentifier });
                break;
            case MqttQualityOfServiceLevel.ExactlyOnce:
                lock (_gate)
                {
                    (_droppedExactlyOnce ??= []).Add(publish.PacketIdentifier);
                }

                MadeUp(new MqttPubRecPacket { PacketIdentifier = publish.PacketIdentifier });
                break;
        }
    }

    private bool ForgetDropped(ushort packetIdentifier)
    {
        lock (_gate)
        {
            return _droppedExactlyOnce?.Remove(packetIdentifier) == true;
        }
    }

    private Task MadeUp(MqttPacket answer)
    {
        lock (_gate)
        {
            _madeUp ??= new();
        }

        _madeUp.Enqueue(answer);
        return Task.CompletedTask;
    }

    /// <summary>Tells an MQTT 5 client why its connection ends (3.1.1 has no server DISCONNECT); the caller then ends it.</summary>
    private async Task EndAsync(MqttDisconnectReasonCode code, string reason, CancellationToken cancellationToken)
    {
        terms.ProtocolRefused(_clientId, code, reason);
        if (IsMqtt5)
        {
            await inner.SendPacketAsync(new MqttDisconnectPacket { ReasonCode = code, ReasonString = reason }, cancellationToken);
        }
    }
}

using IotAi.Gateway.Mqtt.Limits;
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
/// announces (read from the raw bytes by the listener's guard, as is a DISCONNECT's Session Expiry Interval, which
/// MQTTnet decodes 0 and absent alike). It sits between MQTTnet's session and the connection's packet adapter, so
/// it sees every packet either way, and costs a connection whose client announced no limits one field check per PUBLISH.
/// </summary>
/// <remarks>
/// A PUBLISH that may not be sent is answered, towards MQTTnet, as the client would have answered it (PUBACK, or
/// PUBREC and then PUBCOMP), so the session forgets it rather than sending it again at every reconnect.
/// </remarks>
internal sealed class ClientTermsAdapter(IMqttChannelAdapter inner, IConnectionWire wire, ClientTerms terms) : IMqttChannelAdapter, ReceiveWindow.ISender
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _clientId = "";
    private uint _maximumPacketSize;
    private uint _connectSessionExpiry;
    private bool _connected;

    // Each made at first need: most clients announce no limits and are never refused a message.
    private ReceiveWindow? _window;
    private UnsentAnswers? _unsent;
    private MqttPacketFormatterAdapter? _measure;

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

    /// <remarks>
    /// After CONNECT, a client without a Receive Maximum has nothing here to inspect (its DISCONNECT is read by the
    /// listener's guard), so its packets come straight from the connection, at no cost per packet.
    /// </remarks>
    public Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        if (_unsent is { IsEmpty: false } unsent && unsent.TryTake(out var answer))
        {
            return Task.FromResult(answer);
        }

        return _connected && _window is null ? inner.ReceivePacketAsync(cancellationToken) : InspectAsync(cancellationToken);
    }

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => packet switch
    {
        MqttPublishPacket publish => SendPublishAsync(publish, cancellationToken),
        MqttConnAckPacket connAck => SendConnAckAsync(connAck, cancellationToken),
        MqttPubRelPacket release when _unsent?.TakeRelease(release) == true => Task.CompletedTask,
        _ => inner.SendPacketAsync(packet, cancellationToken),
    };

    /// <summary>The session's expiry once this connection ends: a DISCONNECT's interval replaces the CONNECT's (0 included: the session ends now); absent, the CONNECT's stands.</summary>
    /// <summary>The Maximum Packet Size the client announced in CONNECT; 0 when it set none.</summary>
    public uint MaximumPacketSize => _maximumPacketSize;

    public uint SessionExpiryAtEnd => wire.DisconnectSessionExpiry ?? _connectSessionExpiry;

    /// <summary>The client id the CONNECT gave (or the broker assigned a 3.1.1 client); empty before it.</summary>
    public string ClientId => _clientId;

    /// <summary>Completes once the broker is done with the connection: its session kept or deleted, its end told to the grain.</summary>
    public Task Closed => _closed.Task;

    public void Dispose()
    {
        terms.Ended(this);
        _closed.TrySetResult();
        _window?.Dispose();
        inner.Dispose();
    }

    private async Task<MqttPacket> InspectAsync(CancellationToken cancellationToken)
    {
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
            case MqttPubAckPacket ack when _window is not null:
                await _window.AcknowledgedAsync(ack.PacketIdentifier, this, cancellationToken);
                break;
            case MqttPubRecPacket { ReasonCode: >= MqttPubRecReasonCode.UnspecifiedError } refused when _window is not null:
                await _window.AcknowledgedAsync(refused.PacketIdentifier, this, cancellationToken);
                break;
            case MqttPubCompPacket complete when _window is not null:
                await _window.AcknowledgedAsync(complete.PacketIdentifier, this, cancellationToken);
                break;
        }

        return packet;
    }

    /// <summary>Sends a PUBLISH with the expiry it has left, and the gateway's own stamp taken off; the packet is left as it was, in case the session sends it again.</summary>
    public Task SendNowAsync(MqttPublishPacket publish, CancellationToken cancellationToken) =>
        publish.MessageExpiryInterval > 0 && MessageExpiry.TryRead(publish.UserProperties, out var deadline, out var stamp)
            ? SendAgedAsync(publish, deadline, stamp, cancellationToken)
            : inner.SendPacketAsync(publish, cancellationToken);

    private async Task SendAgedAsync(MqttPublishPacket publish, long deadline, int stamp, CancellationToken cancellationToken)
    {
        var (interval, properties) = (publish.MessageExpiryInterval, publish.UserProperties!);
        (publish.MessageExpiryInterval, publish.UserProperties) = (MessageExpiry.SecondsLeft(deadline, terms.Time), MessageExpiry.WithoutStamp(properties, stamp));
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
    public PublishDrop? Refusal(MqttPublishPacket publish)
    {
        if (publish.MessageExpiryInterval > 0 && MessageExpiry.TryRead(publish.UserProperties, out var deadline, out _) && MessageExpiry.HasPassed(deadline, terms.Time))
        {
            return PublishDrop.Expired;
        }

        return _maximumPacketSize > 0 && SizeOf(publish) > _maximumPacketSize ? PublishDrop.TooLarge : null;
    }

    /// <summary>Counts a PUBLISH not sent, and answers it towards the session as the client would have.</summary>
    public void Drop(MqttPublishPacket publish, PublishDrop why)
    {
        terms.Dropped(_clientId, publish, why, why == PublishDrop.TooLarge ? _maximumPacketSize : 0);
        if (_unsent is null)
        {
            Interlocked.CompareExchange(ref _unsent, new UnsentAnswers(), null);
        }

        _unsent.Answer(publish);
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
        wire.SessionEndsWithConnection = IsMqtt5 && connect.SessionExpiryInterval == 0;
        // Absent (read as 0) or 65,535 is no limit: MQTTnet's packet ids run out there anyway.
        if (connect.ReceiveMaximum is > 0 and < ushort.MaxValue)
        {
            _window = new ReceiveWindow(connect.ReceiveMaximum, terms.MaxWaitingPerClient);
        }
    }

    private Task SendConnAckAsync(MqttConnAckPacket connAck, CancellationToken cancellationToken)
    {
        if (connAck.ReasonCode == MqttConnectReasonCode.Success)
        {
            terms.Live(this);
        }

        if (connAck.ReasonCode == MqttConnectReasonCode.Success && IsMqtt5)
        {
            terms.Accepted(this);
            connAck.TopicAliasMaximum = terms.TopicAliasMaximum;
            connAck.MaximumPacketSize = terms.MaximumPacketSize;
            // MQTTnet refuses $share/ filters itself; the gateway takes them (Cluster.ShareFilterProbe).
            connAck.SharedSubscriptionAvailable = true;
        }

        return inner.SendPacketAsync(connAck, cancellationToken);
    }

    private Task SendPublishAsync(MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        if (Refusal(publish) is { } refusal)
        {
            Drop(publish, refusal);
            return Task.CompletedTask;
        }

        return publish.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce || _window is null
            ? SendNowAsync(publish, cancellationToken)
            : _window.SendAsync(publish, this, cancellationToken);
    }

    /// <summary>The PUBLISH's size on the wire, as this client would be sent it (without the gateway's expiry stamp).</summary>
    private long SizeOf(MqttPublishPacket publish)
    {
        _measure ??= new MqttPacketFormatterAdapter(inner.PacketFormatterAdapter.ProtocolVersion, new MqttBufferWriter(256, 4096));
        lock (_measure)
        {
            var properties = publish.UserProperties;
            if (publish.MessageExpiryInterval > 0 && MessageExpiry.TryRead(properties, out _, out var stamp))
            {
                publish.UserProperties = MessageExpiry.WithoutStamp(properties!, stamp);
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
}

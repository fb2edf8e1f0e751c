using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// Follows the MQTT framing of what a client sends and ends the connection as soon as a fixed header declares a
/// packet over the limit. It has to sit under MQTTnet: MQTTnet allocates the whole body a header declares before
/// reading it, so five bytes claiming 256 MiB would cost 256 MiB. An MQTT 5 client is told why with a DISCONNECT
/// carrying Packet too large (0x95); an MQTT 3.1.1 client, which has no server DISCONNECT, is just closed. It also
/// follows the topic alias of each MQTT 5 PUBLISH (<see cref="TopicAliasProbe"/>), since MQTTnet takes an alias of 0 for none.
/// </summary>
internal sealed class PacketSizeGuard(IMqttChannel inner, int maxPacketBytes, IGuardWatcher watcher) : IMqttChannel, IConnectionWire
{
    private enum Expecting
    {
        Type,
        Length,
        Body,
        Nothing,
    }

    private static readonly Task<int> Closed = Task.FromResult(0);

    private Expecting _expecting = Expecting.Type;
    private long _length;
    private int _lengthBytes;
    private long _bodyLeft;
    private byte _type;
    private bool _probing;
    private int? _badAlias;
    private byte[]? _disconnect;
    private int _disconnectRead;
    private bool _expiryRefused;
    private Cluster.ShareFilterProbe? _shares;
    private bool _sharing;
    private long _packets;

    /// <summary>Follows the topic alias of each MQTT 5 PUBLISH, when set; an alias out of bounds ends the connection with Topic Alias invalid.</summary>
    public TopicAliasProbe? Aliases { get; init; }

    public uint? DisconnectSessionExpiry { get; private set; }

    public bool SessionEndsWithConnection { private get; set; }

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    /// <summary>
    /// Reads through to MQTTnet and checks what came. A read the socket completed at once (most of a busy connection's)
    /// is checked here and handed on as the channel's own task: a state machine of the guard's for every read was a
    /// twentieth of what a silo allocated per reading.
    /// </summary>
    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_expecting == Expecting.Nothing)
        {
            return Closed;
        }

        var reading = inner.ReadAsync(buffer, offset, count, cancellationToken);
        if (!reading.IsCompletedSuccessfully)
        {
            return CheckedAsync(reading, buffer, offset, cancellationToken);
        }

        return reading.Result > 0 && Inspect(buffer.AsSpan(offset, reading.Result)) is { } refusal
            ? RefuseAsync(refusal, cancellationToken)
            : reading;
    }

    private async Task<int> CheckedAsync(Task<int> reading, byte[] buffer, int offset, CancellationToken cancellationToken)
    {
        var read = await reading;
        return read > 0 && Inspect(buffer.AsSpan(offset, read)) is { } refusal ? await RefuseAsync(refusal, cancellationToken) : read;
    }

    /// <summary>Ends the connection as the refusal says: MQTTnet reads the end of the stream, the client is told why.</summary>
    private async Task<int> RefuseAsync((MqttDisconnectReasonCode Code, string Reason) refusal, CancellationToken cancellationToken)
    {
        await TellMqtt5ClientAsync(refusal.Code, refusal.Reason, cancellationToken);
        return 0;
    }

    /// <summary>Moves through the bytes just read; returns why the connection must end, if it must.</summary>
    private (MqttDisconnectReasonCode Code, string Reason)? Inspect(Span<byte> bytes)
    {
        if (Scan(bytes) is long declared)
        {
            // MQTTnet never sees the header: to it the client simply hung up.
            _expecting = Expecting.Nothing;
            watcher.PacketTooLarge(declared);
            return (MqttDisconnectReasonCode.PacketTooLarge, $"packets are limited to {maxPacketBytes} bytes");
        }

        if (_badAlias is int alias)
        {
            // MQTTnet never sees the PUBLISH (MQTT-3.3.2-8, -9).
            _expecting = Expecting.Nothing;
            watcher.AliasRefused(alias);
            return (MqttDisconnectReasonCode.TopicAliasInvalid, $"topic aliases run from 1 to the maximum in CONNACK; {alias} is not one");
        }

        if (_expiryRefused)
        {
            // MQTTnet never sees the DISCONNECT: to it the client hung up, so its will is published, as after any protocol error.
            _expecting = Expecting.Nothing;
            watcher.ExpiryRefused();
            return (MqttDisconnectReasonCode.ProtocolError, "a session that connected with no expiry interval cannot set one on DISCONNECT");
        }

        return null;
    }

    public void Dispose() => inner.Dispose();

    /// <summary>Moves through the bytes just read; returns the declared size of a packet over the limit, if one starts here.</summary>
    private long? Scan(Span<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_expecting)
            {
                case Expecting.Type:
                    (_expecting, _length, _lengthBytes, _type) = (Expecting.Length, 0, 0, bytes[i]);
                    i++;
                    break;
                case Expecting.Length:
                    var b = bytes[i++];
                    _length |= (long)(b & 0x7F) << (7 * _lengthBytes);
                    _lengthBytes++;
                    if ((b & 0x80) != 0)
                    {
                        // A fifth length byte is malformed; MQTTnet refuses that itself.
                        _expecting = _lengthBytes < 4 ? Expecting.Length : Expecting.Nothing;
                        break;
                    }

                    var total = 1 + _lengthBytes + _length;
                    if (total > maxPacketBytes)
                    {
                        return total;
                    }

                    (_expecting, _bodyLeft) = _length == 0 ? (Expecting.Type, 0L) : (Expecting.Body, _length);
                    _probing = _length > 0 && (_type & 0xF0) == 0x30 && Aliases is not null && watcher.ProtocolVersion == MqttProtocolVersion.V500;
                    if (_probing)
                    {
                        Aliases!.Start(_type);
                    }

                    // SUBSCRIBE and UNSUBSCRIBE: their shared subscriptions are marked as they pass (ShareFilterProbe).
                    _sharing = _length > 2 && (_type & 0xF0) is 0x80 or 0xA0;
                    if (_sharing)
                    {
                        (_shares ??= new()).Start(_type, watcher.ProtocolVersion == MqttProtocolVersion.V500);
                    }

                    _disconnect = (_type & 0xF0) == 0xE0 && _length is > 0 and <= DisconnectProbe.MaxBody && watcher.ProtocolVersion == MqttProtocolVersion.V500 ? new byte[_length] : null;
                    _disconnectRead = 0;
                    if (_length == 0)
                    {
                        Completed();
                    }

                    break;
                case Expecting.Body:
                    var skip = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    if (_probing && Aliases!.Read(bytes.Slice(i, skip)) is int alias)
                    {
                        _badAlias = alias;
                        return null;
                    }

                    if (_sharing)
                    {
                        _shares!.Read(bytes.Slice(i, skip));
                    }

                    if (_disconnect is not null && Disconnecting(bytes.Slice(i, skip)))
                    {
                        return null;
                    }

                    i += skip;
                    _bodyLeft -= skip;
                    _expecting = _bodyLeft == 0 ? Expecting.Type : Expecting.Body;
                    if (_bodyLeft == 0)
                    {
                        Completed();
                    }

                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    private void Completed()
    {
        if (_packets++ == 0)
        {
            watcher.ConnectRead();
        }

        watcher.PacketRead();
    }

    /// <summary>Keeps the bytes of a DISCONNECT's body; once all came, reads its session expiry. True when it breaks the CONNECT's terms.</summary>
    private bool Disconnecting(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_disconnect.AsSpan(_disconnectRead));
        _disconnectRead += bytes.Length;
        if (_disconnectRead < _disconnect!.Length)
        {
            return false;
        }

        DisconnectSessionExpiry = DisconnectProbe.SessionExpiry(_disconnect);
        _disconnect = null;
        _expiryRefused = SessionEndsWithConnection && DisconnectSessionExpiry is > 0;
        return _expiryRefused;
    }

    private async Task TellMqtt5ClientAsync(MqttDisconnectReasonCode code, string reason, CancellationToken cancellationToken)
    {
        if (watcher.ProtocolVersion != MqttProtocolVersion.V500)
        {
            return;
        }

        var formatter = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(256, 4096));
        var disconnect = formatter.Encode(new MqttDisconnectPacket { ReasonCode = code, ReasonString = reason });
        try
        {
            await inner.WriteAsync(new ReadOnlySequence<byte>(disconnect.Join()), isEndOfPacket: true, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The client may be gone already; it is being closed either way.
        }
    }
}

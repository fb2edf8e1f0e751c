using MQTTnet.Formatter;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// What a <see cref="PacketSizeGuard"/> needs to know of its connection and tells about it. One object per connection
/// answers all of it, where a delegate per event (and the closure they shared) cost an idle device about 400 bytes.
/// </summary>
internal interface IGuardWatcher
{
    /// <summary>The protocol version the connection speaks, once its CONNECT is read.</summary>
    MqttProtocolVersion ProtocolVersion { get; }

    /// <summary>A fixed header declared a packet of <paramref name="declared"/> bytes, over the limit; the connection ends.</summary>
    void PacketTooLarge(long declared);

    /// <summary>A PUBLISH used a topic alias out of bounds; the connection ends.</summary>
    void AliasRefused(int alias);

    /// <summary>A DISCONNECT set a session expiry the CONNECT did not allow; the connection ends.</summary>
    void ExpiryRefused();

    /// <summary>The connection's first packet, its CONNECT, has been read whole. Called once.</summary>
    void ConnectRead();

    /// <summary>A packet has been read whole, the CONNECT included.</summary>
    void PacketRead();
}

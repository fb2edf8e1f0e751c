namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>What the listener's guard reads from a connection's raw bytes, for what MQTTnet's decoding hides.</summary>
internal interface IConnectionWire
{
    /// <summary>The Session Expiry Interval of the client's DISCONNECT: null when it sent none (or no DISCONNECT), 0 when it sent 0.</summary>
    uint? DisconnectSessionExpiry { get; }

    /// <summary>
    /// Set once CONNECT is read, when it gave no session expiry: a DISCONNECT that sets one is then a protocol error
    /// (MQTT-3.14.2-2), answered with DISCONNECT 0x82 before MQTTnet sees it.
    /// </summary>
    bool SessionEndsWithConnection { set; }
}

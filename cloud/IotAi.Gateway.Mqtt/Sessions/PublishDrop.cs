namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>Why a PUBLISH was not sent to a client: each is counted under its own reason.</summary>
internal enum PublishDrop
{
    /// <summary>Larger than the Maximum Packet Size the client announced (MQTT-3.1.2-24: the server must not send it).</summary>
    TooLarge,

    /// <summary>Its Message Expiry Interval passed before it could be sent (MQTT-3.3.2-5).</summary>
    Expired,

    /// <summary>It waited for a slot in the client's Receive Maximum behind more messages than a client may have queued.</summary>
    QueueFull,
}

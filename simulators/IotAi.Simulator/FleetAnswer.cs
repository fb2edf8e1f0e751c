namespace IotAi.Simulator;

/// <summary>
/// What answers an uplink, and so what the fleet counts and times. The same devices then drive the gateway and
/// a plain broker alike, which is what makes their figures comparable.
/// </summary>
public enum FleetAnswer
{
    /// <summary>The gateway's result (or error) on the device's down topics: the whole round trip through inference.</summary>
    Result,

    /// <summary>
    /// The broker's PUBACK: the uplink was taken in. Against the gateway that means the device grain has stored it;
    /// with <see cref="FleetOptions.Escalate"/> off the gateway infers nothing, so this measures ingest alone.
    /// </summary>
    Acknowledgement,

    /// <summary>
    /// The uplink's own copy, delivered back through the device's subscription to its up topics: what any MQTT
    /// broker does for a subscriber, so this is the publish→subscribe baseline.
    /// </summary>
    Echo,
}

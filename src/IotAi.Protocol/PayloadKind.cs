namespace IotAi.Protocol;

/// <summary>What a device sends on an uplink topic; each kind is routed to its own model.</summary>
public enum PayloadKind
{
    /// <summary>A JSON sensor reading (<see cref="Telemetry"/>).</summary>
    Telemetry = 1,

    /// <summary>Raw JPEG or PNG bytes from a camera.</summary>
    Image = 2,
}

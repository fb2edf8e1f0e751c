namespace IotAi.Protocol;

/// <summary>What a device sends on an uplink topic; each kind is routed to its own model.</summary>
public enum PayloadKind
{
    /// <summary>A JSON sensor reading (<see cref="Telemetry"/>).</summary>
    Telemetry = 1,

    /// <summary>Raw JPEG or PNG bytes from a camera.</summary>
    Image = 2,

    /// <summary>Named tensors for any model, in the Open Inference Protocol's JSON form or the binary form (see <see cref="TensorBinary"/>).</summary>
    Tensor = 3,
}

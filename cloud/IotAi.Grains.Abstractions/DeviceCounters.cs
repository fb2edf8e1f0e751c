namespace IotAi.Grains;

/// <summary>What a device has sent, counted once per uplink.</summary>
[GenerateSerializer, Alias("IotAi.DeviceCounters")]
public sealed class DeviceCounters
{
    [Id(0)] public long Telemetry { get; set; }

    [Id(1)] public long Images { get; set; }

    [Id(2)] public long Duplicates { get; set; }

    [Id(3)] public long Rejected { get; set; }

    [Id(4)] public long Results { get; set; }

    /// <summary>Uplinks the device answered itself (<c>escalate: false</c>): stored and acknowledged, not inferred.</summary>
    [Id(5)] public long AnsweredAtEdge { get; set; }

    /// <summary>Tensor uplinks: calls to a model with named tensors.</summary>
    [Id(6)] public long Tensors { get; set; }

    public DeviceCounters Clone() => (DeviceCounters)MemberwiseClone();
}

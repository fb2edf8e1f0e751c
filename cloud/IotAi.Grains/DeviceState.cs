namespace IotAi.Grains;

/// <summary>The persisted twin of one device.</summary>
[GenerateSerializer, Alias("IotAi.DeviceState")]
public sealed class DeviceState
{
    [Id(0)] public DateTimeOffset? FirstSeen { get; set; }

    [Id(1)] public DateTimeOffset? LastSeen { get; set; }

    [Id(2)] public DeviceCounters Counters { get; set; } = new();

    [Id(3)] public SequenceWindow Sequence { get; set; }

    [Id(4)] public Dictionary<string, string> Reported { get; set; } = [];

    [Id(5)] public Dictionary<string, string> Desired { get; set; } = [];

    [Id(6)] public long DesiredVersion { get; set; }

    /// <summary>The model version that last answered each payload kind, e.g. <c>telemetry → sensor-anomaly:1</c>.</summary>
    [Id(7)] public Dictionary<string, string> ModelVersions { get; set; } = [];

    /// <summary>The downlink of the silo that holds the connection; kept so a reactivated grain can still reach the device.</summary>
    [Id(8)] public IDeviceDownlink? Downlink { get; set; }

    /// <summary>Model versions offered to the device that it has not yet reported active, by model name.</summary>
    [Id(9)] public Dictionary<string, string> OfferedModels { get; set; } = [];

    /// <summary>What the device last reported about each of its models, by model name.</summary>
    [Id(10)] public Dictionary<string, ModelUpdate> ModelUpdates { get; set; } = [];

    /// <summary>The rollout that offered each model, by model name, so the device's reports reach it.</summary>
    [Id(11)] public Dictionary<string, string> Rollouts { get; set; } = [];

    /// <summary>Operator-set labels (site, line, hardware) that rollouts target.</summary>
    [Id(12)] public Dictionary<string, string> Tags { get; set; } = [];

    /// <summary>Whether the device directory knows this device and its current tags.</summary>
    [Id(13)] public bool Registered { get; set; }

    /// <summary>How each model's recent versions answer on the device, by model name, oldest version first.</summary>
    [Id(14)] public Dictionary<string, List<VersionQuality>> Quality { get; set; } = [];

    /// <summary>The rollout trials the device takes part in, by model name (see <see cref="CloudTrial"/>).</summary>
    [Id(15)] public Dictionary<string, CloudTrial> Trials { get; set; } = [];

    /// <summary>
    /// The version that answers the device instead of the active one, by model name: left by a completed rollout to some
    /// devices, or by one to the whole fleet until this silo serves the version it promoted.
    /// </summary>
    [Id(16)] public Dictionary<string, string> CloudVersions { get; set; } = [];

    /// <summary>The largest packet the device said it takes when it last connected (0: it set no limit); offers are chunked to fit.</summary>
    [Id(17)] public uint MaximumPacketSize { get; set; }
}

namespace IotAi.Grains;

/// <summary>A snapshot of a device's twin, as operators and tests read it.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.DeviceTwin")]
public sealed record DeviceTwin(
    string DeviceId,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    DeviceCounters Counters,
    long HighestSeq,
    IReadOnlyDictionary<string, string> Reported,
    IReadOnlyDictionary<string, string> Desired,
    long DesiredVersion,
    IReadOnlyDictionary<string, string> ModelVersions,
    bool Connected,
    IReadOnlyDictionary<string, string> OfferedModels,
    IReadOnlyDictionary<string, ModelUpdate> ModelUpdates,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, IReadOnlyList<VersionQuality>> Quality);

namespace IotAi.Grains;

/// <summary>The last thing a device said about one of its models: which version, how far along, and why if it failed.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.ModelUpdate")]
public sealed record ModelUpdate(string Version, string State, string? Reason, DateTimeOffset At);

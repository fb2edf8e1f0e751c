namespace IotAi.Gateway.Storage.Tests;

/// <summary>A grain state shaped as a device twin is: a version and a dictionary that grows and shrinks.</summary>
[GenerateSerializer]
public sealed class TwinLikeState
{
    [Id(0)]
    public long DesiredVersion { get; set; }

    [Id(1)]
    public Dictionary<string, string> Desired { get; init; } = new(StringComparer.Ordinal);
}

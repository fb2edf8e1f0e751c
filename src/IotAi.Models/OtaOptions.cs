using System.ComponentModel.DataAnnotations;

namespace IotAi.Models;

/// <summary>How models travel to devices over MQTT. Bound from <c>Models:Ota</c>.</summary>
public sealed class OtaOptions
{
    public const string SectionName = "Models:Ota";

    public const int MinChunkSize = 1024;
    public const int MaxChunkSize = 1024 * 1024;

    /// <summary>Bytes per chunk: small enough for constrained links and brokers, large enough to keep overhead low.</summary>
    [Range(MinChunkSize, MaxChunkSize)]
    public int ChunkSize { get; set; } = 64 * 1024;

    /// <summary>
    /// Memory a silo keeps recently served chunks in. A rollout sends the same chunks to every device, so a
    /// chunk read once serves them all; 0 reads every chunk from the registry.
    /// </summary>
    [Range(0, 16 * 1024)]
    public int ChunkCacheMegabytes { get; set; } = 64;
}

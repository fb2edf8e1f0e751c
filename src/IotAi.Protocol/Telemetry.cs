using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>A sensor reading as a device sends it on <c>devices/{id}/up/telemetry</c>.</summary>
/// <param name="Seq">The per-device sequence number, from 1; optional, but without it duplicates cannot be dropped.</param>
/// <param name="Timestamp">When the sample was taken.</param>
/// <param name="Values">Named readings; a model reads the names it needs and ignores the rest.</param>
public sealed record Telemetry(
    [property: JsonPropertyName("seq")] long? Seq,
    [property: JsonPropertyName("ts")] DateTimeOffset? Timestamp,
    [property: JsonPropertyName("values")] IReadOnlyDictionary<string, double> Values);

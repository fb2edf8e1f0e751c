using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>A sensor reading as a device sends it on <c>devices/{id}/up/telemetry</c>.</summary>
/// <param name="Seq">The per-device sequence number, from 1; optional, but without it duplicates cannot be dropped.</param>
/// <param name="Timestamp">When the sample was taken.</param>
/// <param name="Values">Named readings; a model reads the names it needs and ignores the rest.</param>
/// <param name="Edge">What the device's own model answered, if it has one.</param>
/// <param name="Escalate">
/// False when the device's answer stands and the cloud need not infer: the gateway then stores the reading
/// and acknowledges it without a result. Absent or true, the cloud's model answers.
/// </param>
/// <param name="Label">The reading's ground truth, when the device knows it (a test rig, a simulator): kept as the device's label if the sample is kept for learning.</param>
public sealed record Telemetry(
    [property: JsonPropertyName("seq")] long? Seq,
    [property: JsonPropertyName("ts")] DateTimeOffset? Timestamp,
    [property: JsonPropertyName("values")] IReadOnlyDictionary<string, double> Values,
    [property: JsonPropertyName("edge")] EdgeAnswer? Edge = null,
    [property: JsonPropertyName("escalate")] bool? Escalate = null,
    [property: JsonPropertyName("label")] string? Label = null);

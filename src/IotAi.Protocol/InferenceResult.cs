using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>The answer to one uplink, on <c>devices/{id}/down/result</c>.</summary>
/// <param name="Seq">The sequence number of the uplink this answers, when it had one.</param>
/// <param name="Kind">The payload kind: <c>telemetry</c> or <c>image</c>.</param>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The model's version.</param>
/// <param name="Label">The most likely label.</param>
/// <param name="Confidence">The probability of <paramref name="Label"/>, 0 to 1.</param>
/// <param name="Scores">The probability of every label.</param>
/// <param name="InferenceMs">Time spent in the model host, queueing and batching included.</param>
public sealed record InferenceResult(
    [property: JsonPropertyName("seq")] long? Seq,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("confidence")] float Confidence,
    [property: JsonPropertyName("scores")] IReadOnlyDictionary<string, float> Scores,
    [property: JsonPropertyName("inferenceMs")] double InferenceMs);

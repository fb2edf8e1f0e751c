using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>
/// What a sample really was, learnt after it was sent (an operator's inspection, a later measurement), on
/// <c>devices/{id}/up/label</c>: it labels the kept sample with that sequence number.
/// </summary>
/// <param name="Seq">The sequence number of the sample it is about.</param>
/// <param name="Label">The true label, one of the model's labels.</param>
public sealed record GroundTruth(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("label")] string Label);

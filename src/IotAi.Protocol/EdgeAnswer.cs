using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>What the device's own model answered for a sample, sent along with it (telemetry: <c>"edge"</c>).</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The version that answered.</param>
/// <param name="Label">Its answer.</param>
/// <param name="Confidence">Its probability for that answer.</param>
public sealed record EdgeAnswer(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("confidence")] float Confidence);

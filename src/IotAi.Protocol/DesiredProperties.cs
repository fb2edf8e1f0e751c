using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>The desired half of a device's twin, on <c>devices/{id}/down/twin/desired</c>; always the whole set.</summary>
/// <param name="Version">Grows by one with each change, so a device can ignore a stale copy.</param>
/// <param name="Desired">Property names and values as operators set them.</param>
public sealed record DesiredProperties(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("desired")] IReadOnlyDictionary<string, string> Desired);

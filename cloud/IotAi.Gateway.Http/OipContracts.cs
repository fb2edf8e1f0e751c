using System.Text.Json.Serialization;

namespace IotAi.Gateway.Http;

// The Open Inference Protocol (KServe v2) REST payloads, named as the specification names them.

internal sealed record OipServerMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("extensions")] IReadOnlyList<string> Extensions);

internal sealed record OipTensorMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape);

internal sealed record OipModelMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] IReadOnlyList<string> Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] IReadOnlyList<OipTensorMetadata> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<OipTensorMetadata> Outputs,
    [property: JsonPropertyName("parameters")] IReadOnlyDictionary<string, object> Parameters);

internal sealed record OipError([property: JsonPropertyName("error")] string Error);

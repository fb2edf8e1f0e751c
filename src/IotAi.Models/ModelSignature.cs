using System.Text.Json.Serialization;

namespace IotAi.Models;

/// <summary>
/// A detached signature over a model's manifest bytes. The manifest carries the SHA-256 of the ONNX file, so
/// one signature covers both: change either and verification fails.
/// </summary>
/// <param name="KeyId">Which key signed: the first 16 hex digits of the SHA-256 of its public key.</param>
/// <param name="Algorithm">Always <see cref="Es256"/>: ECDSA on P-256 with SHA-256.</param>
/// <param name="Value">The signature, base64, in the IEEE P1363 form (r ‖ s).</param>
public sealed record ModelSignature(
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("value")] string Value)
{
    public const string Es256 = "ES256";
    public const string FileName = "signature.json";
}

using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>
/// The public keys a device is to trust for models, on <c>devices/{id}/down/keys</c>: a key set document kept
/// exactly as signed, and its detached signature by a key the device already trusts. A device adopts a set
/// whose signature holds and whose version is higher than the one it has, and refuses anything else.
/// </summary>
/// <param name="KeySet">The key set document bytes, base64: <c>{"keys":[{"keyId","publicKeyPem"}],"version","issuedAt"}</c>.</param>
/// <param name="KeyId">The id of the key that signed the document.</param>
/// <param name="Algorithm">The signature algorithm: <c>ES256</c>.</param>
/// <param name="Signature">The signature over the document, base64.</param>
public sealed record SignedKeySet(
    [property: JsonPropertyName("keySet")] string KeySet,
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("signature")] string Signature);

using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>
/// A model version offered to a device, on <c>devices/{id}/down/model/offer</c>. It carries the manifest
/// exactly as signed and its detached signature, so the device checks who made the model before it
/// downloads a byte; the ONNX file then comes in chunks of <see cref="ChunkSize"/> bytes, named by the
/// SHA-256 the signed manifest states, which the device checks again once it has them all.
/// </summary>
/// <param name="Name">The model's name.</param>
/// <param name="Version">The offered version.</param>
/// <param name="Manifest">The signed manifest bytes, base64.</param>
/// <param name="KeyId">The id of the key that signed the manifest.</param>
/// <param name="Algorithm">The signature algorithm: <c>ES256</c>.</param>
/// <param name="Signature">The signature over the manifest, base64.</param>
/// <param name="Sha256">The ONNX file's SHA-256, as the manifest states it; chunk topics are named by it.</param>
/// <param name="Size">The ONNX file's length in bytes.</param>
/// <param name="ChunkSize">The length of every chunk but the last.</param>
/// <param name="Chunks">How many chunks there are.</param>
/// <param name="Parts">
/// The other files the model is made of, each named by the SHA-256 the signed manifest states for it (a pretrained
/// backbone); a device fetches only those it does not hold already. Absent for a model that is one file.
/// </param>
public sealed record ModelOffer(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("manifest")] string Manifest,
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("chunkSize")] int ChunkSize,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("parts")] IReadOnlyList<ModelOfferPart>? Parts = null)
{
    /// <summary>The offer as a transfer of one part: its hash, size and chunks in place of the model file's.</summary>
    public ModelOffer ForPart(ModelOfferPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return this with { Sha256 = part.Sha256, Size = part.Size, Chunks = part.Chunks, Parts = null };
    }
}

/// <summary>One more file of an offered model, fetched in chunks like the model file, by its hash.</summary>
/// <param name="Role">What it is: <c>backbone</c>.</param>
/// <param name="Sha256">Its SHA-256, as the signed manifest states it; chunk topics are named by it.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Chunks">How many chunks of the offer's chunk size it takes.</param>
public sealed record ModelOfferPart(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("chunks")] int Chunks);

using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Grains;

/// <summary>Builds the offer a device gets for a registered model version: the signed manifest, its signature and the chunking.</summary>
public sealed class ModelOffers(ModelRegistry registry, IOptions<OtaOptions> options)
{
    /// <summary>The offer, or null when the version is not registered.</summary>
    public DownlinkMessage? Build(string name, string version)
    {
        var model = registry.Find(name, version);
        if (model is null)
        {
            return null;
        }

        var manifest = registry.ManifestBytes(name, version);
        using var blob = registry.OpenBlob(model.Manifest.Sha256!)
            ?? throw new InvalidOperationException($"{name} version {version} has no ONNX blob in the registry.");
        var chunkSize = options.Value.ChunkSize;
        var offer = new ModelOffer(
            name,
            version,
            Convert.ToBase64String(manifest),
            model.Signature.KeyId,
            model.Signature.Algorithm,
            model.Signature.Value,
            model.Manifest.Sha256!,
            blob.Length,
            chunkSize,
            Chunks(blob.Length, chunkSize),
            model.Manifest.Backbone is { } backbone ? [Part("backbone", backbone.Sha256, chunkSize)] : null);
        return new DownlinkMessage(DownlinkKind.ModelOffer, JsonSerializer.SerializeToUtf8Bytes(offer, ProtocolJson.Wire.ModelOffer));
    }

    private static int Chunks(long size, int chunkSize) => (int)((size + chunkSize - 1) / chunkSize);

    /// <summary>A part as the device must fetch it: its size from the stored file itself, which the chunks are cut from.</summary>
    private ModelOfferPart Part(string role, string sha256, int chunkSize)
    {
        using var blob = registry.OpenBlob(sha256) ?? throw new InvalidOperationException($"The registry has no blob {sha256} for the {role}.");
        return new ModelOfferPart(role, sha256, blob.Length, Chunks(blob.Length, chunkSize));
    }
}

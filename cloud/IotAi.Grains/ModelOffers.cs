using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Grains;

/// <summary>Builds the offer a device gets for a registered model version: the signed manifest, its signature and the chunking.</summary>
public sealed class ModelOffers(ModelRegistry registry, IOptions<OtaOptions> options)
{
    /// <summary>
    /// What a chunk's PUBLISH carries besides its bytes and topic: the fixed header (5), the topic's length (2), the
    /// packet identifier (2) and the properties with their length (content type, message expiry, with room to spare).
    /// </summary>
    internal const int ChunkPacketOverhead = 5 + 2 + 2 + 64;

    /// <summary>Chunk sizes are whole multiples of this, so the size of a device's chunks reads plainly in its offer.</summary>
    internal const int ChunkGranularity = 256;

    /// <summary>
    /// The offer to <paramref name="deviceId"/>, or null when the version is not registered. Its chunks fit the device's
    /// Maximum Packet Size (0: none), since the gateway may not send a device a packet larger than it announced.
    /// </summary>
    public DownlinkMessage? Build(string name, string version, string deviceId, uint maximumPacketSize)
    {
        var model = registry.Find(name, version);
        if (model is null)
        {
            return null;
        }

        var manifest = registry.ManifestBytes(name, version);
        using var blob = registry.OpenBlob(model.Manifest.Sha256!)
            ?? throw new InvalidOperationException($"{name} version {version} has no ONNX blob in the registry.");
        var chunkSize = ChunkSizeFor(options.Value.ChunkSize, deviceId, maximumPacketSize);
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

    /// <summary>
    /// The configured chunk size, or the largest multiple of <see cref="ChunkGranularity"/> whose chunk packet fits the
    /// device's maximum; never below <see cref="OtaOptions.MinChunkSize"/>, so a device that cannot take even that is
    /// told its chunks are too large (the gateway's message_too_large error) rather than sent nothing at all.
    /// </summary>
    internal static int ChunkSizeFor(int configured, string deviceId, uint maximumPacketSize)
    {
        if (maximumPacketSize == 0)
        {
            return configured;
        }

        var topic = System.Text.Encoding.UTF8.GetByteCount(DeviceTopics.ModelChunk(deviceId, new string('0', 64), int.MaxValue));
        var room = (long)maximumPacketSize - ChunkPacketOverhead - topic;
        var fits = (int)Math.Min(configured, room / ChunkGranularity * ChunkGranularity);
        return Math.Max(OtaOptions.MinChunkSize, fits);
    }

    private static int Chunks(long size, int chunkSize) => (int)((size + chunkSize - 1) / chunkSize);

    /// <summary>A part as the device must fetch it: its size from the stored file itself, which the chunks are cut from.</summary>
    private ModelOfferPart Part(string role, string sha256, int chunkSize)
    {
        using var blob = registry.OpenBlob(sha256) ?? throw new InvalidOperationException($"The registry has no blob {sha256} for the {role}.");
        return new ModelOfferPart(role, sha256, blob.Length, Chunks(blob.Length, chunkSize));
    }
}

using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// Answers a device's request for model chunks straight from the registry's content-addressed blobs. It
/// needs no grain and no session state: the blob's hash, the chunk size and the index say everything, so
/// whichever silo the device is connected to can serve it, and a device that asks again after a break gets
/// exactly the chunks it still lacks.
/// </summary>
public sealed class ModelChunkServer(ModelRegistry registry)
{
    /// <summary>Reads the requested chunks and hands each to <paramref name="publish"/>; returns why the request was refused, or null.</summary>
    public async Task<string?> ServeAsync(string deviceId, byte[] payload, Func<string, byte[], Task> publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ModelFetch? fetch;
        try
        {
            fetch = JsonSerializer.Deserialize(payload, ProtocolJson.Wire.ModelFetch);
        }
        catch (JsonException ex)
        {
            return $"invalid JSON: {ex.Message}";
        }

        if (fetch?.Sha256 is null || fetch.Indexes is null)
        {
            return "a fetch needs sha256, chunkSize and indexes";
        }

        if (fetch.ChunkSize is < OtaOptions.MinChunkSize or > OtaOptions.MaxChunkSize)
        {
            return $"chunkSize must be {OtaOptions.MinChunkSize} to {OtaOptions.MaxChunkSize} bytes";
        }

        if (fetch.Indexes.Count is 0 or > ModelFetch.MaxIndexes)
        {
            return $"ask for 1 to {ModelFetch.MaxIndexes} chunks at a time";
        }

        await using var blob = registry.OpenBlob(fetch.Sha256);
        if (blob is null)
        {
            return $"no model blob has SHA-256 {fetch.Sha256}";
        }

        var chunks = (int)((blob.Length + fetch.ChunkSize - 1) / fetch.ChunkSize);
        if (fetch.Indexes.Any(i => i < 0 || i >= chunks))
        {
            return $"chunk indexes run from 0 to {chunks - 1}";
        }

        foreach (var index in fetch.Indexes.Distinct())
        {
            var offset = (long)index * fetch.ChunkSize;
            var chunk = new byte[(int)Math.Min(fetch.ChunkSize, blob.Length - offset)];
            await RandomAccess.ReadAsync(blob.SafeFileHandle, chunk, offset);
            await publish(DeviceTopics.ModelChunk(deviceId, fetch.Sha256, index), chunk);
        }

        return null;
    }
}

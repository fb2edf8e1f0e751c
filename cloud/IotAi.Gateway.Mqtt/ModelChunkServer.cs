using System.Text.Json;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// Answers a device's request for model chunks straight from the registry's content-addressed blobs. It
/// needs no grain and no session state: the blob's hash, the chunk size and the index say everything, so
/// whichever silo the device is connected to can serve it, and a device that asks again after a break gets
/// exactly the chunks it still lacks. Chunks are immutable (the blob is named by its hash), so the ones
/// just served stay in memory for the next device: a rollout reads each chunk once, and every device is
/// sent the same array, as a broker fans one message out.
/// </summary>
public sealed class ModelChunkServer(ModelRegistry registry, IOptions<OtaOptions> options) : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, (long)options.Value.ChunkCacheMegabytes << 20) });

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
            await publish(DeviceTopics.ModelChunk(deviceId, fetch.Sha256, index), Chunk(blob, fetch.Sha256, fetch.ChunkSize, index));
        }

        return null;
    }

    /// <summary>
    /// The model a blob belongs to, for counting what each model's updates cost the network: the model whose version
    /// file it is, or the first model by name that runs on it as a backbone; null for a blob no version names.
    /// </summary>
    public string? ModelOf(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (_owners.TryGetValue(sha256, out var known))
        {
            return known;
        }

        // Blobs never change: a hash once placed keeps its model. A miss reads the manifests, once per new blob.
        var versions = registry.List();
        var owner = versions.Where(m => m.Manifest.Sha256 == sha256).Select(static m => m.Name).FirstOrDefault()
            ?? versions.Where(m => m.Manifest.Backbone?.Sha256 == sha256).Select(static m => m.Name).Order(StringComparer.Ordinal).FirstOrDefault();
        if (owner is not null)
        {
            _owners[sha256] = owner;
        }

        return owner;
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>Chunk <paramref name="index"/> of the blob, from memory or read now; the array is shared and must not be changed.</summary>
    private byte[] Chunk(FileStream blob, string sha256, int chunkSize, int index)
    {
        var key = (sha256.ToLowerInvariant(), chunkSize, index);
        if (options.Value.ChunkCacheMegabytes > 0 && _cache.TryGetValue(key, out byte[]? cached))
        {
            return cached!;
        }

        var offset = (long)index * chunkSize;
        var chunk = new byte[(int)Math.Min(chunkSize, blob.Length - offset)];
        // A synchronous read: the blob is in the page cache when it matters, and an async file read on Linux
        // is only a blocking read handed to another thread.
        for (var filled = 0; filled < chunk.Length;)
        {
            var read = RandomAccess.Read(blob.SafeFileHandle, chunk.AsSpan(filled), offset + filled);
            filled += read > 0 ? read : throw new EndOfStreamException($"the model blob {sha256} ended early");
        }

        if (options.Value.ChunkCacheMegabytes > 0)
        {
            _cache.Set(key, chunk, new MemoryCacheEntryOptions { Size = chunk.Length, SlidingExpiration = TimeSpan.FromMinutes(10) });
        }

        return chunk;
    }
}

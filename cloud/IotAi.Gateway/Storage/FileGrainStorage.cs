using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace IotAi.Gateway.Storage;

/// <summary>
/// Grain state as one file per grain under the data directory: the embedded default, with nothing to
/// install. A write goes to a temporary file that then replaces the old one, so a crash mid-write leaves
/// the previous state whole. The ETag is a write counter stored in the file, which catches a second
/// activation of the same grain writing over the first.
/// </summary>
public sealed class FileGrainStorage(FileGrainStorageOptions options, Serializer serializer) : IGrainStorage
{
    private const int HeaderLength = sizeof(long);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            return;
        }

        var bytes = await File.ReadAllBytesAsync(path);
        if (bytes.Length < HeaderLength)
        {
            throw new InvalidDataException($"The state file {path} is truncated.");
        }

        var version = BitConverter.ToInt64(bytes, 0);
        grainState.State = serializer.Deserialize<T>(bytes.AsMemory(HeaderLength));
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        var stored = await StoredVersionAsync(path);
        CheckETag(stored, grainState.ETag, path);

        var version = stored + 1;
        var body = serializer.SerializeToArray(grainState.State);
        var temporary = path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(BitConverter.GetBytes(version));
            await file.WriteAsync(body);
            if (options.Fsync)
            {
                file.Flush(flushToDisk: true);
            }
        }

        File.Move(temporary, path, overwrite: true);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        CheckETag(await StoredVersionAsync(path), grainState.ETag, path);
        File.Delete(path);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = default!;
    }

    private static void CheckETag(long stored, string? etag, string path)
    {
        var expected = etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);
        if (stored != expected)
        {
            throw new InconsistentStateException($"The state in {path} was written by someone else.", stored.ToString(CultureInfo.InvariantCulture), etag);
        }
    }

    private static async Task<long> StoredVersionAsync(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, HeaderLength, FileOptions.Asynchronous);
        var header = new byte[HeaderLength];
        await file.ReadExactlyAsync(header);
        return BitConverter.ToInt64(header);
    }

    private string PathOf(string stateName, GrainId grainId) => Path.Combine(
        options.Directory,
        Uri.EscapeDataString(stateName),
        Uri.EscapeDataString(grainId.Type.ToString()!),
        Uri.EscapeDataString(grainId.Key.ToString()!) + ".state");
}

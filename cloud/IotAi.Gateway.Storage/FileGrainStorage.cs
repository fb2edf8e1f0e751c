using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using Orleans.Serialization;
using Orleans.Storage;

namespace IotAi.Gateway.Storage;

/// <summary>
/// Grain state in files under the data directory: the embedded default, with nothing to install.
/// </summary>
/// <remarks>
/// Each grain has two slot files, <c>.a</c> and <c>.b</c>, written in turn and in place. Every write carries a
/// version, its length and a CRC-32, and goes to the slot that does not hold the latest version, so a crash
/// in the middle of a write tears only a state that was never acknowledged: reading takes the valid slot
/// with the highest version. Writing in place avoids the temporary-file-and-rename pattern, which on ext4
/// costs some 180 µs of CPU per write against about 6 µs for an overwrite, and a device grain writes on
/// every message. The version doubles as the ETag, which catches a second activation writing over the first.
/// The I/O is synchronous on purpose: for files this small a blocking call is cheaper than a thread-pool hop.
/// <para>
/// A device grain writes on every message, so a write costs one open: an activation that read or wrote the version
/// its ETag names knows that version's slot, and only the slot about to be overwritten is checked, through the
/// handle that writes it. Anyone who wrote after that version put a newer one there first, since writers take
/// turns between the slots; only then, or for an activation with nothing known, are both slots read and checked.
/// </para>
/// </remarks>
internal sealed class FileGrainStorage(FileGrainStorageOptions options, Serializer serializer) : IGrainStorage
{
    private const int HeaderLength = SlotFiles.HeaderLength;
    private readonly ConcurrentDictionary<string, bool> _createdDirectories = new(StringComparer.Ordinal);

    // What each activation last read or wrote, keyed by its state object, so it goes when the activation goes.
    private readonly ConditionalWeakTable<object, KnownSlots> _known = new();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        if (SlotFiles.Newest(path) is { } slot)
        {
            grainState.State = serializer.Deserialize<T>(slot.Body);
            grainState.ETag = slot.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
            // Only a state found is remembered: a first write still makes the grain's directory.
            Remember(grainState, path, slot.Version);
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var expected = grainState.ETag is null ? 0 : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        var known = _known.TryGetValue(grainState, out var k) && k.Version == expected ? k : null;
        var path = known?.Path ?? PathOf(stateName, grainId);
        if (known is null)
        {
            CheckETag(path, grainState.ETag);
            EnsureDirectory(path);
        }

        var version = expected + 1;
        var buffer = RecordBuffer.Take();
        buffer.Advance(HeaderLength);
        serializer.Serialize(grainState.State, buffer);
        var record = System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.WrittenMemory).Span;
        SlotFiles.WriteHeader(record, version);

        var slot = known?.Slot((int)(version % 2)) ?? SlotFiles.SlotPath(path, (int)(version % 2));
        using (var handle = File.OpenHandle(slot, FileMode.OpenOrCreate, known is null ? FileAccess.Write : FileAccess.ReadWrite, FileShare.Read))
        {
            // Read one byte past the new record: the old one's header, and whether the file must be cut to the new length.
            var old = known is null ? 0 : Overwritten(handle, path, expected, grainState.ETag, record.Length + 1);
            SlotFiles.Overwrite(handle, record, truncate: known is null || old > record.Length, options.Fsync);
        }

        Remember(grainState, path, version);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Checks the slot about to be overwritten (at most <paramref name="peek"/> bytes of it) and returns how many bytes
    /// were read. A header there newer than <paramref name="expected"/> means someone else wrote, or began to: then
    /// both slots decide, as for a first write (a torn record of theirs acknowledged nothing and does not count).
    /// </summary>
    private static int Overwritten(SafeFileHandle handle, string path, long expected, string? etag, int peek)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(peek);
        try
        {
            var read = RandomAccess.Read(handle, bytes.AsSpan(0, peek), 0);
            if (read >= HeaderLength && BinaryPrimitives.ReadInt64LittleEndian(bytes) > expected)
            {
                CheckETag(path, etag);
            }

            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private void Remember(object grainState, string path, long version)
    {
        if (!_known.TryGetValue(grainState, out var known))
        {
            known = new KnownSlots(path);
            _known.AddOrUpdate(grainState, known);
        }

        known.Version = version;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        SlotFiles.Delete(path);
        _known.Remove(grainState);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = default!;
        return Task.CompletedTask;
    }

    /// <summary>The stored version, after checking that the writer last saw it.</summary>
    private static long CheckETag(string path, string? etag)
    {
        var stored = SlotFiles.Newest(path)?.Version ?? 0;
        var expected = etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);
        if (stored != expected)
        {
            throw new InconsistentStateException($"The state in {path} was written by someone else.", stored.ToString(CultureInfo.InvariantCulture), etag);
        }

        return stored;
    }

    private void EnsureDirectory(string path)
    {
        // GetOrAdd stores the entry only once the directory exists, so a second first write waits for it or makes
        // it too; marking it first let a concurrent writer open a file in a directory not yet made.
        _createdDirectories.GetOrAdd(Path.GetDirectoryName(path)!, static directory =>
        {
            Directory.CreateDirectory(directory);
            return true;
        });
    }

    private string PathOf(string stateName, GrainId grainId) => Path.Combine(
        options.Directory,
        Uri.EscapeDataString(stateName),
        Uri.EscapeDataString(grainId.Type.ToString()!),
        Uri.EscapeDataString(grainId.Key.ToString()!) + ".state");

    /// <summary>An activation's slot files, and the version it last read or wrote (held in slot <c>Version % 2</c>).</summary>
    private sealed class KnownSlots(string path)
    {
        private readonly string[] _slots = [SlotFiles.SlotPath(path, 0), SlotFiles.SlotPath(path, 1)];

        public string Path { get; } = path;

        public long Version { get; set; }

        public string Slot(int index) => _slots[index];
    }
}

using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace IotAi.Gateway.Storage;

/// <summary>
/// One grain's state as two slot files, <c>.a</c> and <c>.b</c>, each holding one whole record: its version, its length,
/// a CRC-32 and the serialized state. Reading takes the valid slot with the highest version, so a write torn by a crash
/// falls back to the other slot.
/// </summary>
internal static class SlotFiles
{
    public const int HeaderLength = sizeof(long) + sizeof(int) + sizeof(uint);

    /// <summary>Writes the header of a record whose body follows it in <paramref name="record"/>.</summary>
    public static void WriteHeader(Span<byte> record, long version)
    {
        var body = record[HeaderLength..];
        BinaryPrimitives.WriteInt64LittleEndian(record, version);
        BinaryPrimitives.WriteInt32LittleEndian(record[sizeof(long)..], body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[(sizeof(long) + sizeof(int))..], Crc32.HashToUInt32(body));
    }

    /// <summary>The newest whole record of the state at <paramref name="path"/>, or null when there is none.</summary>
    public static Slot? Newest(string path) => Latest(Read(path, 0), Read(path, 1));

    public static Slot? Latest(Slot? a, Slot? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        _ => a.Value.Version >= b.Value.Version ? a : b,
    };

    /// <summary>A slot's record if it is whole and its checksum holds; null for a missing or torn slot.</summary>
    public static Slot? Read(string path, int slot)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(SlotPath(path, slot));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.Length < HeaderLength)
        {
            return null;
        }

        var version = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(sizeof(long)));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(sizeof(long) + sizeof(int)));
        if (length != bytes.Length - HeaderLength || Crc32.HashToUInt32(bytes.AsSpan(HeaderLength)) != crc)
        {
            return null;
        }

        return new Slot(version, bytes.AsMemory(HeaderLength));
    }

    /// <summary>
    /// Writes <paramref name="record"/> (header and body, version <paramref name="version"/>) unless the state already
    /// holds that version or a newer one, into the slot that does not hold the newest: a crash mid-write leaves the
    /// newest whole. Returns whether it wrote.
    /// </summary>
    public static bool WriteIfNewer(string path, long version, ReadOnlySpan<byte> record, bool fsync)
    {
        var a = Read(path, 0);
        var b = Read(path, 1);
        var newest = Latest(a, b);
        if (newest is { } n && n.Version >= version)
        {
            return false;
        }

        // The slot to overwrite: an empty or torn one first, else the older.
        var slot = a is null ? 0 : b is null ? 1 : a.Value.Version < b.Value.Version ? 0 : 1;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var handle = File.OpenHandle(SlotPath(path, slot), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        Overwrite(handle, record, truncate: true, fsync);
        return true;
    }

    /// <summary>Writes a whole record at the start of a slot file, cutting what is left of a longer one when asked.</summary>
    public static void Overwrite(SafeFileHandle handle, ReadOnlySpan<byte> record, bool truncate, bool fsync)
    {
        RandomAccess.Write(handle, record, 0);
        if (truncate)
        {
            RandomAccess.SetLength(handle, record.Length);
        }

        if (fsync)
        {
            using var stream = new FileStream(handle, FileAccess.Write, bufferSize: 0);
            stream.Flush(flushToDisk: true);
        }
    }

    public static string SlotPath(string path, int slot) => slot == 0 ? path + ".a" : path + ".b";

    public static void Delete(string path)
    {
        File.Delete(SlotPath(path, 0));
        File.Delete(SlotPath(path, 1));
    }

    public readonly record struct Slot(long Version, ReadOnlyMemory<byte> Body);
}

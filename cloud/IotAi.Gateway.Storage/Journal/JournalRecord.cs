using System.Buffers.Binary;
using System.IO.Hashing;

namespace IotAi.Gateway.Storage.Journal;

/// <summary>
/// One grain state in the journal: <c>[length:int32][crc32:uint32][version:int64][key length:uint16][key][state]</c>, the
/// CRC over everything after it. The key is the state's path under the state directory. An empty state records a clear.
/// </summary>
internal static class JournalRecord
{
    public const int FixedLength = sizeof(int) + sizeof(uint) + sizeof(long) + sizeof(ushort);

    /// <summary>Fills in the header of a record whose key and state already follow it in <paramref name="record"/>.</summary>
    public static void WriteHeader(Span<byte> record, long version, int keyLength)
    {
        BinaryPrimitives.WriteInt32LittleEndian(record, record.Length);
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(record[16..], (ushort)keyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32.HashToUInt32(record[8..]));
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="bytes"/>; false at the end of the journal, or at a record torn
    /// by a crash (a batch is written at once, so only the last can be, and it was never acknowledged).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out Parsed record)
    {
        record = default;
        if (bytes.Length < FixedLength)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (length < FixedLength || length > bytes.Length)
        {
            return false;
        }

        var whole = bytes[..length];
        if (BinaryPrimitives.ReadUInt32LittleEndian(whole[4..]) != Crc32.HashToUInt32(whole[8..]))
        {
            return false;
        }

        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(whole[16..]);
        if (FixedLength + keyLength > length)
        {
            return false;
        }

        record = new Parsed(length, BinaryPrimitives.ReadInt64LittleEndian(whole[8..]), FixedLength, keyLength);
        return true;
    }

    /// <summary>A record's length, version, and where its key lies; the state follows the key.</summary>
    public readonly record struct Parsed(int Length, long Version, int KeyStart, int KeyLength)
    {
        public int StateStart => KeyStart + KeyLength;
    }
}

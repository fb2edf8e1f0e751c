using System.Buffers.Binary;
using System.IO.Hashing;

namespace IotAi.Learning;

/// <summary>
/// One record of a sample segment: <c>[length:int32][crc32:uint32][kind:uint8][metadata length:int32][metadata][payload]</c>,
/// the CRC over everything after it. The metadata is the <see cref="CapturedSample"/> as JSON; a
/// <see cref="SampleRecordKind.Sample"/> carries the bytes the device sent after it, a <see cref="SampleRecordKind.Labels"/>
/// record only the sample's metadata with its labels as they now stand.
/// </summary>
internal static class SampleRecord
{
    public const int FixedLength = sizeof(int) + sizeof(uint) + sizeof(byte) + sizeof(int);

    /// <summary>A record of <paramref name="kind"/> holding <paramref name="metadata"/> and <paramref name="payload"/>.</summary>
    public static byte[] Create(SampleRecordKind kind, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> payload)
    {
        var record = new byte[FixedLength + metadata.Length + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, record.Length);
        record[8] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(9), metadata.Length);
        metadata.CopyTo(record.AsSpan(FixedLength));
        payload.CopyTo(record.AsSpan(FixedLength + metadata.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(record.AsSpan(8)));
        return record;
    }

    /// <summary>The length the record starting with <paramref name="header"/> says it has, or 0 if that cannot be one.</summary>
    public static int LengthOf(ReadOnlySpan<byte> header)
    {
        var length = header.Length < sizeof(int) ? 0 : BinaryPrimitives.ReadInt32LittleEndian(header);
        return length < FixedLength ? 0 : length;
    }

    /// <summary>
    /// Reads a whole record; false for one torn by a crash (a write cut short, or a file grown by a write whose bytes never
    /// reached the disk). Only a segment's last record can be: nothing is written after a failed write but over it.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out Parsed parsed)
    {
        parsed = default;
        if (record.Length < FixedLength || LengthOf(record) != record.Length
            || BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != Crc32.HashToUInt32(record[8..]))
        {
            return false;
        }

        var kind = (SampleRecordKind)record[8];
        var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(record[9..]);
        if (kind is not (SampleRecordKind.Sample or SampleRecordKind.Labels) || metadataLength < 0 || FixedLength + metadataLength > record.Length)
        {
            return false;
        }

        parsed = new Parsed(kind, metadataLength);
        return true;
    }

    /// <summary>A record's kind, and how long its metadata is; the payload is the rest.</summary>
    public readonly record struct Parsed(SampleRecordKind Kind, int MetadataLength);
}

/// <summary>What a sample segment's record holds.</summary>
internal enum SampleRecordKind : byte
{
    /// <summary>A kept sample: its metadata and its payload.</summary>
    Sample = 1,

    /// <summary>A sample's metadata again, with a label added; its payload stays in its sample record.</summary>
    Labels = 2,
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace IotAi.Tests.Shared;

/// <summary>
/// A decompression bomb: a PNG of a few hundred bytes whose header declares a huge grey image, its rows zeros
/// that deflate to almost nothing. Decoding it would take width × height × 4 bytes; it must be refused from its header.
/// </summary>
internal static class PngBomb
{
    public static byte[] Of(int width, int height, int rows = 64)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grey), no interlace
        Chunk(png, "IHDR", header);
        using var pixels = new MemoryStream();
        using (var deflate = new ZLibStream(pixels, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // Each row: a filter byte and a zero per pixel; a few rows are enough to make a decoder start.
            deflate.Write(new byte[(int)Math.Min((long)(width + 1) * rows, 1 << 24)]);
        }

        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typed));
        png.Write(crc);
    }
}

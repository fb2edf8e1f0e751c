using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace IotAi.Gateway.Storage.Postgres;

/// <summary>
/// The key columns of a grain state's row in <c>iotai_grain_state</c>, made exactly as Orleans' ADO.NET grain storage
/// (10.x, its default hasher) makes them, so rows it wrote are found and rows written here stay readable by it: the
/// state's name and its hash; the grain key as two numbers and a string (a GUID key's 16 bytes, an integer key in the
/// second number, any other key in the string); and the hash of the key's bytes, reversed.
/// </summary>
/// <remarks>
/// As in Orleans, a key is classified by its text, not by the grain's interface: a device id such as <c>cafe</c> or
/// <c>12</c> parses as a hexadecimal integer key, and is stored as one.
/// </remarks>
internal readonly record struct PostgresStateKey(int GrainTypeHash, string GrainType, int GrainIdHash, long N0, long N1, string Extension)
{
    public static PostgresStateKey Of(string stateName, GrainId grainId)
    {
        // Orleans reduces a generic state type's name first; the gateway's state names are plain words.
        if (stateName.Contains('`', StringComparison.Ordinal))
        {
            throw new NotSupportedException($"State name '{stateName}' is a generic type's; the PostgreSQL storage keeps plain names only.");
        }

        long n0 = 0, n1 = 0;
        string? extension;
        byte[] key;
        if (grainId.TryGetGuidKey(out var guid, out extension))
        {
            var bytes = guid.ToByteArray();
            (n0, n1) = (BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
            key = WithExtension(bytes, extension);
        }
        else if (grainId.TryGetIntegerKey(out var integer, out extension))
        {
            n1 = integer;
            var bytes = new byte[sizeof(long)];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, integer);
            key = WithExtension(bytes, extension);
        }
        else
        {
            extension = grainId.Key.ToString();
            key = Encoding.UTF8.GetBytes(extension);
        }

        key.AsSpan().Reverse();
        return new PostgresStateKey(Hash(Encoding.UTF8.GetBytes(stateName)), stateName, Hash(key), n0, n1, extension ?? "");
    }

    private static byte[] WithExtension(byte[] key, string? extension) =>
        extension is null ? key : [.. key, .. Encoding.UTF8.GetBytes(extension)];

    /// <summary>Orleans' stable hash: xxHash32 with seed 0, its digest's bytes read the other way round.</summary>
    private static int Hash(ReadOnlySpan<byte> bytes) => unchecked((int)BinaryPrimitives.ReverseEndianness(XxHash32.HashToUInt32(bytes)));
}

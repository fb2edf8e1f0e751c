using System.Buffers.Binary;
using System.Globalization;

namespace IotAi.Protocol;

/// <summary>
/// One named tensor of a request or an answer, in the form both transports share: its elements little-endian, one
/// after another (<see cref="TensorDatatype.Bytes"/> elements each after a 4-byte length).
/// </summary>
/// <param name="Name">The model's name for the input or output.</param>
/// <param name="Datatype">The element type.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="Data">The elements, laid out as above.</param>
public sealed record NamedTensor(string Name, TensorDatatype Datatype, IReadOnlyList<long> Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>How many elements <see cref="Shape"/> holds: 1 for a scalar.</summary>
    public long ElementCount => ElementsOf(Shape);

    /// <summary>The elements of a shape, or -1 when a dimension is negative or the count overflows.</summary>
    public static long ElementsOf(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0 || (d > 0 && count > long.MaxValue / d))
            {
                return -1;
            }

            count *= d;
        }

        return count;
    }

    /// <summary>The shape as the protocol's messages write it: <c>[1,16000]</c>.</summary>
    public static string Format(IReadOnlyList<long> shape) =>
        "[" + string.Join(",", shape.Select(static d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>
    /// Checks that <see cref="Data"/> holds exactly the elements <see cref="Shape"/> says; the message names the tensor.
    /// For <see cref="TensorDatatype.Bytes"/> it walks the lengths.
    /// </summary>
    public string? Problem()
    {
        var count = ElementCount;
        if (count < 0)
        {
            return $"'{Name}': the shape {Format(Shape)} is not a shape";
        }

        if (Datatype != TensorDatatype.Bytes)
        {
            var size = TensorDatatypes.Size(Datatype);
            return Data.Length == count * size ? null
                : $"'{Name}': {TensorDatatypes.Name(Datatype)}{Format(Shape)} needs {count * size} bytes, {Data.Length} were sent";
        }

        var span = Data.Span;
        for (long i = 0; i < count; i++)
        {
            if (span.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(span) is var length && length > span.Length - 4)
            {
                return $"'{Name}': BYTES{Format(Shape)} needs {count} length-prefixed strings, the data ends at the {i + 1}th";
            }

            span = span[(4 + (int)length)..];
        }

        return span.IsEmpty ? null : $"'{Name}': BYTES{Format(Shape)} holds {count} strings and {span.Length} bytes more";
    }

    /// <summary>The strings of a <see cref="TensorDatatype.Bytes"/> tensor, in order.</summary>
    public IReadOnlyList<string> Strings()
    {
        var strings = new List<string>();
        var span = Data.Span;
        while (span.Length >= 4)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(span);
            strings.Add(System.Text.Encoding.UTF8.GetString(span.Slice(4, length)));
            span = span[(4 + length)..];
        }

        return strings;
    }

    /// <summary>Lays strings out as a <see cref="TensorDatatype.Bytes"/> tensor's data.</summary>
    public static byte[] FromStrings(IEnumerable<string> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var s in strings)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(s);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        return buffer.ToArray();
    }
}

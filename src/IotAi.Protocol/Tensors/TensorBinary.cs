using System.Globalization;

namespace IotAi.Protocol;

/// <summary>
/// The binary form of a tensor uplink, for devices that would rather not write numbers as text. Each input is named
/// by one <c>tensor</c> user property, <c>DATATYPE[d0,d1,…] name</c> (<c>FP32[1,16000] samples</c>,
/// <c>INT64[] sample_rate</c> for a scalar), in order; the payload is their data one after another, each as
/// <see cref="NamedTensor"/> lays it out.
/// </summary>
public static class TensorBinary
{
    /// <summary>The user property that describes one input of a binary tensor uplink.</summary>
    public const string TensorProperty = "tensor";

    /// <summary>The user property that names one output to return (repeat it for several; none for all).</summary>
    public const string OutputProperty = "output";

    /// <summary>The user property that, set to <c>true</c>, starts a stateful model's sequence afresh.</summary>
    public const string SequenceStartProperty = "sequence-start";

    /// <summary>The user property that, set to <c>true</c>, forgets a stateful model's state after the call.</summary>
    public const string SequenceEndProperty = "sequence-end";

    /// <summary>The header of one tensor: <c>FP32[1,16000] samples</c>.</summary>
    public static string Header(TensorDatatype datatype, IReadOnlyList<long> shape, string name) =>
        $"{TensorDatatypes.Name(datatype)}{NamedTensor.Format(shape)} {name}";

    /// <summary>Reads the inputs from their headers and the payload they share.</summary>
    public static IReadOnlyList<NamedTensor> Read(IReadOnlyList<string> headers, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var tensors = new List<NamedTensor>(headers.Count);
        var rest = payload;
        foreach (var header in headers)
        {
            var (datatype, shape, name) = ParseHeader(header);
            var length = datatype == TensorDatatype.Bytes ? StringsLength(rest.Span, NamedTensor.ElementsOf(shape)) : NamedTensor.ElementsOf(shape) * TensorDatatypes.Size(datatype);
            if (length < 0 || length > rest.Length)
            {
                throw new TensorException($"'{name}': {TensorDatatypes.Name(datatype)}{NamedTensor.Format(shape)} needs more bytes than the payload has left ({rest.Length})");
            }

            tensors.Add(new NamedTensor(name, datatype, shape, rest[..(int)length]));
            rest = rest[(int)length..];
        }

        return rest.IsEmpty ? tensors : throw new TensorException($"the payload holds {rest.Length} bytes more than the tensors its headers describe");
    }

    /// <summary>Lays tensors out as a binary payload and the headers that describe it.</summary>
    public static (IReadOnlyList<string> Headers, byte[] Payload) Write(IReadOnlyList<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var payload = new byte[tensors.Sum(static t => t.Data.Length)];
        var at = 0;
        foreach (var tensor in tensors)
        {
            tensor.Data.Span.CopyTo(payload.AsSpan(at));
            at += tensor.Data.Length;
        }

        return ([.. tensors.Select(static t => Header(t.Datatype, t.Shape, t.Name))], payload);
    }

    /// <summary>Reads <c>DATATYPE[d0,d1,…] name</c>.</summary>
    public static (TensorDatatype Datatype, long[] Shape, string Name) ParseHeader(string header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var open = header.IndexOf('[', StringComparison.Ordinal);
        var close = header.IndexOf(']', StringComparison.Ordinal);
        if (open <= 0 || close < open || close + 2 > header.Length || header[close + 1] != ' '
            || !TensorDatatypes.TryParse(header[..open], out var datatype))
        {
            throw new TensorException($"the tensor header '{header}' is not DATATYPE[d0,d1,…] name, with DATATYPE one of {TensorDatatypes.All}");
        }

        var name = header[(close + 2)..];
        var dims = header[(open + 1)..close];
        var shape = new List<long>();
        if (dims.Length > 0)
        {
            foreach (var dim in dims.Split(','))
            {
                shape.Add(long.TryParse(dim, NumberStyles.None, CultureInfo.InvariantCulture, out var d)
                    ? d
                    : throw new TensorException($"'{name}': the shape [{dims}] must be whole numbers, 0 or more, separated by commas"));
            }
        }

        return NamedTensor.ElementsOf(shape) is >= 0 and <= int.MaxValue / 8 ? (datatype, [.. shape], name) : throw new TensorException($"'{name}': the shape [{dims}] is too large");
    }

    /// <summary>The bytes <paramref name="count"/> length-prefixed strings take at the start of <paramref name="span"/>; -1 when they do not fit.</summary>
    private static long StringsLength(ReadOnlySpan<byte> span, long count)
    {
        long used = 0;
        for (long i = 0; i < count; i++)
        {
            if (span.Length - used < 4)
            {
                return -1;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span[(int)used..]);
            if (length > span.Length - used - 4)
            {
                return -1;
            }

            used += 4 + length;
        }

        return used;
    }
}

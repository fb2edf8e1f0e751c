namespace IotAi.Protocol;

#pragma warning disable CA1720 // The members are named after the element types they stand for, as the Open Inference Protocol names them.

/// <summary>A tensor's element type, as the Open Inference Protocol names them (<c>FP32</c>, <c>INT64</c>, <c>BOOL</c> …).</summary>
public enum TensorDatatype
{
    Bool = 1,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Fp16,
    Fp32,
    Fp64,

    /// <summary>Strings: in binary form each is its UTF-8 bytes after a 4-byte little-endian length, as Triton sends them.</summary>
    Bytes,
}

#pragma warning restore CA1720

/// <summary>Names and sizes of <see cref="TensorDatatype"/>s, in the protocol's words and in ONNX's.</summary>
public static class TensorDatatypes
{
    private static readonly (TensorDatatype Type, string Name, string Onnx, int Size)[] Table =
    [
        (TensorDatatype.Bool, "BOOL", "bool", 1),
        (TensorDatatype.UInt8, "UINT8", "uint8", 1),
        (TensorDatatype.UInt16, "UINT16", "uint16", 2),
        (TensorDatatype.UInt32, "UINT32", "uint32", 4),
        (TensorDatatype.UInt64, "UINT64", "uint64", 8),
        (TensorDatatype.Int8, "INT8", "int8", 1),
        (TensorDatatype.Int16, "INT16", "int16", 2),
        (TensorDatatype.Int32, "INT32", "int32", 4),
        (TensorDatatype.Int64, "INT64", "int64", 8),
        (TensorDatatype.Fp16, "FP16", "float16", 2),
        (TensorDatatype.Fp32, "FP32", "float32", 4),
        (TensorDatatype.Fp64, "FP64", "float64", 8),
        (TensorDatatype.Bytes, "BYTES", "string", 0),
    ];

    /// <summary>The protocol's name: <c>FP32</c>, <c>INT64</c>, <c>BOOL</c> ….</summary>
    public static string Name(TensorDatatype type) => Row(type).Name;

    /// <summary>The element type as the model's manifest and ONNX tools write it: <c>float32</c>, <c>int64</c>, <c>bool</c> ….</summary>
    public static string OnnxName(TensorDatatype type) => Row(type).Onnx;

    /// <summary>Bytes per element; 0 for <see cref="TensorDatatype.Bytes"/>, whose elements vary.</summary>
    public static int Size(TensorDatatype type) => Row(type).Size;

    /// <summary>Reads a protocol name such as <c>FP32</c>; false for a name the protocol does not have.</summary>
    public static bool TryParse(string? name, out TensorDatatype type) => TryFind(name, byOnnxName: false, out type);

    /// <summary>Reads an ONNX element type name (<c>float32</c>); false for one no tensor can carry, such as a map or a sequence.</summary>
    public static bool TryFromOnnx(string? onnxName, out TensorDatatype type) => TryFind(onnxName, byOnnxName: true, out type);

    private static bool TryFind(string? name, bool byOnnxName, out TensorDatatype type)
    {
        foreach (var row in Table)
        {
            if (string.Equals(byOnnxName ? row.Onnx : row.Name, name, StringComparison.Ordinal))
            {
                type = row.Type;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>Every protocol name, for messages that list what is accepted.</summary>
    public static string All => string.Join(", ", Table.Select(static r => r.Name));

    private static (TensorDatatype Type, string Name, string Onnx, int Size) Row(TensorDatatype type) =>
        Table.FirstOrDefault(r => r.Type == type) is { Name: not null } row ? row : throw new ArgumentOutOfRangeException(nameof(type), type, "Not a tensor datatype.");
}

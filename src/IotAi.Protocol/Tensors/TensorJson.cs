using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace IotAi.Protocol;

/// <summary>
/// Tensors in the Open Inference Protocol's JSON form: <c>{"name", "datatype", "shape", "data"}</c>, the data flat or
/// nested, numbers for numeric types, <c>true</c>/<c>false</c> for BOOL and strings for BYTES. Floating-point values
/// that JSON has no number for are written, and read, as the strings <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>.
/// </summary>
public static partial class TensorJson
{
    /// <summary>The deepest a request's JSON may nest: the data of a tensor of up to 8 dimensions, inside the request.</summary>
    public const int MaxDepth = 12;

    /// <summary>Reads a whole request: <c>{"id", "inputs": [...], "outputs": [{"name"}], "parameters": {"sequence_start", "sequence_end"}}</c>.</summary>
    public static TensorRequest ReadRequest(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new TensorException($"the request is not JSON: {ex.Message}", ex);
        }

        using (document)
        {
            return ReadRequest(document.RootElement);
        }
    }

    /// <inheritdoc cref="ReadRequest(ReadOnlyMemory{byte})"/>
    public static TensorRequest ReadRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new TensorException("the request must be a JSON object");
        }

        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            throw new TensorException("'inputs' must be a non-empty array of tensors");
        }

        var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        var outputs = new List<string>();
        if (root.TryGetProperty("outputs", out var wanted) && wanted.ValueKind != JsonValueKind.Null)
        {
            if (wanted.ValueKind != JsonValueKind.Array)
            {
                throw new TensorException("'outputs' must be an array of {\"name\": …}");
            }

            foreach (var output in wanted.EnumerateArray())
            {
                outputs.Add(output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } text
                    ? text
                    : throw new TensorException("each of 'outputs' must name an output: {\"name\": …}"));
            }
        }

        var parameters = root.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        return new TensorRequest(id, [.. inputs.EnumerateArray().Select(ReadTensor)], outputs, Flag(parameters, "sequence_start"), Flag(parameters, "sequence_end"));
    }

    /// <summary>Reads one tensor; the exception's message names it and says what is wrong.</summary>
    public static NamedTensor ReadTensor(JsonElement tensor)
    {
        if (tensor.ValueKind != JsonValueKind.Object || !tensor.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || nameElement.GetString() is not { Length: > 0 } name)
        {
            throw new TensorException("each input must be an object with a 'name' that is a string");
        }

        if (!tensor.TryGetProperty("datatype", out var datatypeElement) || !TensorDatatypes.TryParse(datatypeElement.ValueKind == JsonValueKind.String ? datatypeElement.GetString() : null, out var datatype))
        {
            throw new TensorException($"'{name}': 'datatype' must be one of {TensorDatatypes.All}");
        }

        if (!tensor.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || shapeElement.EnumerateArray().Any(static d => !d.TryGetInt64(out var v) || v < 0))
        {
            throw new TensorException($"'{name}': 'shape' must be an array of dimensions, each 0 or more ([] for a scalar)");
        }

        long[] shape = [.. shapeElement.EnumerateArray().Select(static d => d.GetInt64())];
        var count = NamedTensor.ElementsOf(shape);
        if (count is < 0 or > int.MaxValue / 8)
        {
            throw new TensorException($"'{name}': the shape {NamedTensor.Format(shape)} is too large");
        }

        if (!tensor.TryGetProperty("data", out var data))
        {
            throw new TensorException($"'{name}': 'data' is missing");
        }

        // Sized by what the shape claims only up to a bound: the data must still be there, value by value, to grow it further.
        var bytes = new ArrayBufferWriter<byte>(datatype == TensorDatatype.Bytes ? 256 : (int)Math.Clamp(count * TensorDatatypes.Size(datatype), 1, 64 * 1024));
        var written = 0L;
        Flatten(name, datatype, data, bytes, ref written);
        if (written != count)
        {
            throw new TensorException($"'{name}': 'data' holds {written} values, the shape {NamedTensor.Format(shape)} needs {count}");
        }

        return new NamedTensor(name, datatype, shape, bytes.WrittenMemory);
    }

    private static bool Flag(JsonElement parameters, string name) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty(name, out var flag) && flag.ValueKind == JsonValueKind.True;

    private static void Flatten(string name, TensorDatatype datatype, JsonElement data, ArrayBufferWriter<byte> into, ref long written)
    {
        if (data.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in data.EnumerateArray())
            {
                Flatten(name, datatype, item, into, ref written);
            }

            return;
        }

        if (!TryWrite(datatype, data, into))
        {
            var value = data.ValueKind == JsonValueKind.String ? $"\"{data.GetString()}\"" : data.GetRawText();
            throw new TensorException($"'{name}' is {TensorDatatypes.Name(datatype)}: {value} is not one of its values{Hint(datatype)}");
        }

        written++;
    }

    private static string Hint(TensorDatatype datatype) => datatype switch
    {
        TensorDatatype.Bool => " (true or false)",
        TensorDatatype.Bytes => " (a string)",
        TensorDatatype.Fp16 or TensorDatatype.Fp32 or TensorDatatype.Fp64 => " (a number)",
        _ => " (a whole number in its range)",
    };

    private static bool TryWrite(TensorDatatype datatype, JsonElement value, ArrayBufferWriter<byte> into)
    {
        if (datatype == TensorDatatype.Bytes)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            var text = System.Text.Encoding.UTF8.GetBytes(value.GetString()!);
            BinaryPrimitives.WriteInt32LittleEndian(into.GetSpan(4), text.Length);
            into.Advance(4);
            into.Write(text);
            return true;
        }

        if (datatype == TensorDatatype.Bool)
        {
            if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }

            into.GetSpan(1)[0] = value.ValueKind == JsonValueKind.True ? (byte)1 : (byte)0;
            into.Advance(1);
            return true;
        }

        var size = TensorDatatypes.Size(datatype);
        var span = into.GetSpan(size)[..size];
        var ok = datatype switch
        {
            TensorDatatype.Fp16 => TryReal(value, out var h) && (double.IsNaN(h) || double.IsInfinity(h) || Math.Abs(h) <= (double)Half.MaxValue) && BinaryPrimitives.TryWriteHalfLittleEndian(span, (Half)h),
            TensorDatatype.Fp32 => TryReal(value, out var f) && (double.IsNaN(f) || double.IsInfinity(f) || Math.Abs(f) <= float.MaxValue) && BinaryPrimitives.TryWriteSingleLittleEndian(span, (float)f),
            TensorDatatype.Fp64 => TryReal(value, out var d) && BinaryPrimitives.TryWriteDoubleLittleEndian(span, d),
            TensorDatatype.Int8 => value.ValueKind == JsonValueKind.Number && value.TryGetSByte(out var i8) && Write(span, (byte)i8),
            TensorDatatype.UInt8 => value.ValueKind == JsonValueKind.Number && value.TryGetByte(out var u8) && Write(span, u8),
            TensorDatatype.Int16 => value.ValueKind == JsonValueKind.Number && value.TryGetInt16(out var i16) && BinaryPrimitives.TryWriteInt16LittleEndian(span, i16),
            TensorDatatype.UInt16 => value.ValueKind == JsonValueKind.Number && value.TryGetUInt16(out var u16) && BinaryPrimitives.TryWriteUInt16LittleEndian(span, u16),
            TensorDatatype.Int32 => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i32) && BinaryPrimitives.TryWriteInt32LittleEndian(span, i32),
            TensorDatatype.UInt32 => value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var u32) && BinaryPrimitives.TryWriteUInt32LittleEndian(span, u32),
            TensorDatatype.Int64 => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var i64) && BinaryPrimitives.TryWriteInt64LittleEndian(span, i64),
            TensorDatatype.UInt64 => value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var u64) && BinaryPrimitives.TryWriteUInt64LittleEndian(span, u64),
            _ => false,
        };
        if (ok)
        {
            into.Advance(size);
        }

        return ok;
    }

    private static bool TryReal(JsonElement value, out double real)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.TryGetDouble(out real);
        }

        real = value.ValueKind == JsonValueKind.String ? value.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => 0,
        } : 0;
        return value.ValueKind == JsonValueKind.String && !double.IsFinite(real);
    }

    private static bool Write(Span<byte> span, byte value)
    {
        span[0] = value;
        return true;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace IotAi.Protocol;

/// <summary>Tensors and answers written in the Open Inference Protocol's JSON form, their data flat.</summary>
public static partial class TensorJson
{
    /// <summary>Writes an answer: <c>{"model_name", "model_version", "id", "seq", "parameters", "outputs": [...]}</c>.</summary>
    public static void WriteResponse(Utf8JsonWriter writer, TensorResponse response)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(response);
        writer.WriteStartObject();
        writer.WriteString("model_name", response.ModelName);
        writer.WriteString("model_version", response.ModelVersion);
        if (response.Id is not null)
        {
            writer.WriteString("id", response.Id);
        }

        if (response.Seq is long seq)
        {
            writer.WriteNumber("seq", seq);
        }

        if (response.SequenceStart is bool start)
        {
            writer.WriteStartObject("parameters");
            writer.WriteBoolean("sequence_start", start);
            writer.WriteEndObject();
        }

        writer.WriteStartArray("outputs");
        foreach (var output in response.Outputs)
        {
            WriteTensor(writer, output);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The answer as UTF-8 JSON bytes.</summary>
    public static byte[] ToUtf8(TensorResponse response)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteResponse(writer, response);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes one tensor, its data flat.</summary>
    public static void WriteTensor(Utf8JsonWriter writer, NamedTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tensor);
        writer.WriteStartObject();
        writer.WriteString("name", tensor.Name);
        writer.WriteString("datatype", TensorDatatypes.Name(tensor.Datatype));
        writer.WriteStartArray("shape");
        foreach (var d in tensor.Shape)
        {
            writer.WriteNumberValue(d);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("data");
        if (tensor.Datatype == TensorDatatype.Bytes)
        {
            foreach (var s in tensor.Strings())
            {
                writer.WriteStringValue(s);
            }
        }
        else
        {
            var size = TensorDatatypes.Size(tensor.Datatype);
            var span = tensor.Data.Span;
            for (var at = 0; at + size <= span.Length; at += size)
            {
                WriteElement(writer, tensor.Datatype, span.Slice(at, size));
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteElement(Utf8JsonWriter writer, TensorDatatype datatype, ReadOnlySpan<byte> e)
    {
        switch (datatype)
        {
            case TensorDatatype.Bool:
                writer.WriteBooleanValue(e[0] != 0);
                break;
            case TensorDatatype.UInt8:
                writer.WriteNumberValue(e[0]);
                break;
            case TensorDatatype.Int8:
                writer.WriteNumberValue((sbyte)e[0]);
                break;
            case TensorDatatype.Int16:
                writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(e));
                break;
            case TensorDatatype.UInt16:
                writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(e));
                break;
            case TensorDatatype.Int32:
                writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(e));
                break;
            case TensorDatatype.UInt32:
                writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(e));
                break;
            case TensorDatatype.Int64:
                writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(e));
                break;
            case TensorDatatype.UInt64:
                writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(e));
                break;
            case TensorDatatype.Fp16:
                WriteReal(writer, (double)BinaryPrimitives.ReadHalfLittleEndian(e), single: true);
                break;
            case TensorDatatype.Fp32:
                WriteReal(writer, BinaryPrimitives.ReadSingleLittleEndian(e), single: true);
                break;
            default:
                WriteReal(writer, BinaryPrimitives.ReadDoubleLittleEndian(e), single: false);
                break;
        }
    }

    private static void WriteReal(Utf8JsonWriter writer, double value, bool single)
    {
        if (double.IsFinite(value))
        {
            // A single-precision value written at its own precision: 0.1f reads back as 0.1, not 0.10000000149011612.
            if (single)
            {
                writer.WriteNumberValue((float)value);
            }
            else
            {
                writer.WriteNumberValue(value);
            }
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}

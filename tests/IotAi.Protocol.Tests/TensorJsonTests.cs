using System.Buffers;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Protocol.Tests;

/// <summary>Tensors in OIP's JSON form and the binary form, against bytes worked out by hand.</summary>
public sealed class TensorJsonTests
{
    [Theory]
    [InlineData("FP32", "[1.5, -2]", "0000C03F000000C0")]
    [InlineData("FP16", "[1.5, -2]", "003E00C0")]
    [InlineData("FP64", "[0.5]", "000000000000E03F")]
    [InlineData("INT64", "[-2]", "FEFFFFFFFFFFFFFF")]
    [InlineData("INT32", "[258]", "02010000")]
    [InlineData("INT16", "[-1]", "FFFF")]
    [InlineData("INT8", "[-128, 127]", "807F")]
    [InlineData("UINT8", "[0, 255]", "00FF")]
    [InlineData("UINT16", "[513]", "0102")]
    [InlineData("UINT32", "[1]", "01000000")]
    [InlineData("UINT64", "[1]", "0100000000000000")]
    [InlineData("BOOL", "[true, false]", "0100")]
    [InlineData("BYTES", """["hi"]""", "020000006869")]
    public void Each_datatype_is_laid_out_little_endian_as_computed_by_hand_and_written_back_as_sent(string datatype, string data, string hex)
    {
        var count = JsonDocument.Parse(data).RootElement.GetArrayLength();
        var tensor = ReadTensor($$"""{"name":"x","datatype":"{{datatype}}","shape":[{{count}}],"data":{{data}}}""");

        Assert.Equal(hex, Convert.ToHexString(tensor.Data.Span));
        Assert.Null(tensor.Problem());
        var written = JsonDocument.Parse(Write(tensor)).RootElement;
        Assert.Equal(JsonDocument.Parse(data).RootElement.EnumerateArray().Select(static e => e.GetRawText().Replace(".0", "", StringComparison.Ordinal)),
            written.GetProperty("data").EnumerateArray().Select(static e => e.GetRawText()));
        Assert.Equal(datatype, written.GetProperty("datatype").GetString());
    }

    [Fact]
    public void Nested_data_is_read_in_row_order_and_a_scalar_has_an_empty_shape()
    {
        var matrix = ReadTensor("""{"name":"m","datatype":"INT32","shape":[2,2],"data":[[1,2],[3,4]]}""");
        var scalar = ReadTensor("""{"name":"rate","datatype":"INT64","shape":[],"data":16000}""");

        Assert.Equal("01000000020000000300000004000000", Convert.ToHexString(matrix.Data.Span));
        Assert.Equal((1L, "803E000000000000"), (scalar.ElementCount, Convert.ToHexString(scalar.Data.Span)));
    }

    [Fact]
    public void Values_json_has_no_number_for_travel_as_named_strings_both_ways()
    {
        var tensor = ReadTensor("""{"name":"f","datatype":"FP32","shape":[3],"data":["NaN","Infinity","-Infinity"]}""");

        Assert.Equal("""["NaN","Infinity","-Infinity"]""", JsonDocument.Parse(Write(tensor)).RootElement.GetProperty("data").GetRawText());
    }

    [Theory]
    [InlineData("""{"name":"x","datatype":"INT8","shape":[1],"data":[200]}""", "'x' is INT8: 200 is not one of its values (a whole number in its range)")]
    [InlineData("""{"name":"x","datatype":"FP16","shape":[1],"data":[70000]}""", "'x' is FP16: 70000 is not one of its values (a number)")]
    [InlineData("""{"name":"x","datatype":"BOOL","shape":[1],"data":[1]}""", "'x' is BOOL: 1 is not one of its values (true or false)")]
    [InlineData("""{"name":"x","datatype":"INT32","shape":[1],"data":[1.5]}""", "'x' is INT32: 1.5 is not one of its values")]
    [InlineData("""{"name":"x","datatype":"FP32","shape":[2,2],"data":[1,2,3]}""", "'x': 'data' holds 3 values, the shape [2,2] needs 4")]
    [InlineData("""{"name":"x","datatype":"FLOAT","shape":[1],"data":[1]}""", "'x': 'datatype' must be one of BOOL, UINT8")]
    [InlineData("""{"name":"x","datatype":"FP32","shape":[-1],"data":[1]}""", "'x': 'shape' must be an array of dimensions, each 0 or more")]
    [InlineData("""{"name":"x","datatype":"FP32","shape":[1]}""", "'x': 'data' is missing")]
    [InlineData("""{"datatype":"FP32","shape":[1],"data":[1]}""", "each input must be an object with a 'name'")]
    [InlineData("""{"name":5,"datatype":"FP32","shape":[1],"data":[1]}""", "each input must be an object with a 'name' that is a string")]
    [InlineData("""{"name":"x","datatype":"FP64","shape":[268435455],"data":[0]}""", "'x': 'data' holds 1 values, the shape [268435455] needs 268435455")]
    public void A_wrong_tensor_is_refused_naming_it_and_what_is_wrong(string json, string expected)
    {
        var refusal = Assert.Throws<TensorException>(() => ReadTensor(json));

        Assert.StartsWith(expected, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_carries_its_id_the_outputs_it_wants_and_the_sequence_flags()
    {
        var request = TensorJson.ReadRequest(Encoding.UTF8.GetBytes(
            """{"id":"r1","inputs":[{"name":"a","datatype":"FP32","shape":[1],"data":[1]}],"outputs":[{"name":"b"}],"parameters":{"sequence_start":true}}"""));

        Assert.Equal(("r1", "a", "b", true, false), (request.Id, request.Inputs.Single().Name, request.Outputs.Single(), request.SequenceStart, request.SequenceEnd));
        Assert.Throws<TensorException>(() => TensorJson.ReadRequest(Encoding.UTF8.GetBytes("""{"inputs":[]}""")));
        Assert.Throws<TensorException>(() => TensorJson.ReadRequest(Encoding.UTF8.GetBytes("""{"inputs":[""")));
    }

    [Fact]
    public void The_binary_form_slices_the_payload_by_its_headers_in_order()
    {
        byte[] payload = [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(2.5f), .. BitConverter.GetBytes(16000L)];

        var tensors = TensorBinary.Read(["FP32[1,2] serving_default:0", "INT64[] rate"], payload);

        Assert.Equal(("serving_default:0", TensorDatatype.Fp32), (tensors[0].Name, tensors[0].Datatype));
        Assert.Equal([1L, 2L], tensors[0].Shape);
        Assert.Equal(payload[..8], tensors[0].Data.ToArray());
        Assert.Equal(("rate", 0), (tensors[1].Name, tensors[1].Shape.Count));
        Assert.Equal(16000L, BitConverter.ToInt64(tensors[1].Data.Span));
        var (headers, written) = TensorBinary.Write(tensors);
        Assert.Equal(["FP32[1,2] serving_default:0", "INT64[] rate"], headers);
        Assert.Equal(payload, written);
    }

    [Theory]
    [InlineData("FP32[1,3] x", 8, "'x': FP32[1,3] needs more bytes than the payload has left (8)")]
    [InlineData("FP32[1] x", 8, "the payload holds 4 bytes more than the tensors its headers describe")]
    [InlineData("FLOAT[1] x", 4, "the tensor header 'FLOAT[1] x' is not DATATYPE[d0,d1,…] name")]
    [InlineData("FP32[1,a] x", 4, "'x': the shape [1,a] must be whole numbers")]
    [InlineData("FP32[1]x", 4, "the tensor header 'FP32[1]x' is not")]
    public void A_binary_payload_that_does_not_match_its_headers_is_refused(string header, int bytes, string expected)
    {
        var refusal = Assert.Throws<TensorException>(() => TensorBinary.Read([header], new byte[bytes]));

        Assert.StartsWith(expected, refusal.Message, StringComparison.Ordinal);
    }

    private static NamedTensor ReadTensor(string json) => TensorJson.ReadTensor(JsonDocument.Parse(json).RootElement);

    private static string Write(NamedTensor tensor)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            TensorJson.WriteTensor(writer, tensor);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

using System.Buffers.Binary;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Inference.Tests;

/// <summary>Any ONNX model, called with named tensors of every datatype the gateway carries; state inputs; what is refused and how it is named.</summary>
public sealed class TensorModelTests
{
    [Fact]
    public void Every_datatype_goes_in_and_comes_back_as_it_was_and_the_manifest_lists_every_tensor()
    {
        using var model = Load(OnnxGraph.EveryDatatype().ToBytes());
        NamedTensor[] inputs =
        [
            Tensor("fp16", TensorDatatype.Fp16, [2], [.. Half16(1.5), .. Half16(-65504)]),
            Tensor("int32", TensorDatatype.Int32, [2], [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(int.MaxValue)]),
            Tensor("int8", TensorDatatype.Int8, [2], [0x80, 0x7F]),
            Tensor("bool", TensorDatatype.Bool, [2], [1, 0]),
            Tensor("int64", TensorDatatype.Int64, [], BitConverter.GetBytes(long.MinValue)),
            Tensor("uint8", TensorDatatype.UInt8, [2], [0, 255]),
            Tensor("fp64", TensorDatatype.Fp64, [2], [.. BitConverter.GetBytes(Math.PI), .. BitConverter.GetBytes(-0.25)]),
        ];

        var outputs = model.RunTensors(inputs, []).ToDictionary(static o => o.Name);

        Assert.Equal(8, outputs.Count);
        foreach (var input in inputs)
        {
            var output = outputs[$"{input.Name}_out"];
            Assert.Equal((input.Datatype, input.Shape.ToArray().Length), (output.Datatype, output.Shape.Count));
            Assert.Equal(input.Data.ToArray(), output.Data.ToArray());
        }

        Assert.Equal([0, 1], outputs["not_bool"].Data.ToArray());
        Assert.Equal(["fp16", "int32", "int8", "bool", "int64", "uint8", "fp64"], model.Manifest.Inputs.Select(static i => i.Name));
        Assert.Equal(["float16", "int32", "int8", "bool", "int64", "uint8", "float64"], model.Manifest.Inputs.Select(static i => i.ElementType));
        Assert.Empty(model.Manifest.Inputs.Single(static i => i.Name == "int64").Shape);
    }

    [Fact]
    public void Only_the_outputs_asked_for_come_back()
    {
        using var model = Load(OnnxGraph.EveryDatatype().ToBytes());

        var outputs = model.RunTensors(EveryInput(), ["not_bool", "int8_out"]);

        Assert.Equal(["not_bool", "int8_out"], outputs.Select(static o => o.Name));
    }

    [Theory]
    [InlineData("name", "model any has no input 'fp17' (its inputs are fp16, int32, int8, bool, int64, uint8, fp64)")]
    [InlineData("datatype", "'int32' is INT32, not INT64 (model any takes INT32[2])")]
    [InlineData("shape", "'uint8' has the shape [3], but model any takes UINT8[2] (-1: any size from 1)")]
    [InlineData("size", "'fp64': FP64[2] needs 16 bytes, 8 were sent")]
    [InlineData("missing", "model any needs the input 'bool' (BOOL[2]), which is missing")]
    [InlineData("output", "model any has no output 'logits' (its outputs are fp16_out")]
    public void A_wrong_call_is_refused_before_onnx_runtime_sees_it_naming_the_tensor(string wrong, string expected)
    {
        using var model = Load(OnnxGraph.EveryDatatype().ToBytes());
        var inputs = EveryInput().ToList();
        var outputs = new List<string>();
        switch (wrong)
        {
            case "name":
                inputs[0] = inputs[0] with { Name = "fp17" };
                break;
            case "datatype":
                inputs[1] = Tensor("int32", TensorDatatype.Int64, [2], new byte[16]);
                break;
            case "shape":
                inputs[5] = Tensor("uint8", TensorDatatype.UInt8, [3], new byte[3]);
                break;
            case "size":
                inputs[6] = Tensor("fp64", TensorDatatype.Fp64, [2], new byte[8]);
                break;
            case "missing":
                inputs.RemoveAt(3);
                break;
            default:
                outputs.Add("logits");
                break;
        }

        var refusal = Assert.Throws<TensorException>(() => model.RunTensors(inputs, outputs));

        Assert.StartsWith(expected, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_input_left_out_starts_from_zeros_and_one_given_is_used()
    {
        using var model = Load(OnnxGraph.Streaming().ToBytes(), [new StatePair("h", "h_next")]);
        NamedTensor[] call = [Floats("samples", [1, 3], 1, 2, 3), Tensor("rate", TensorDatatype.Int64, [], BitConverter.GetBytes(2L))];

        var first = model.RunTensors(call, []).ToDictionary(static o => o.Name);
        var second = model.RunTensors([.. call, first["h_next"] with { Name = "h" }], ["score"]);

        Assert.Equal([6f, 6f], FloatsOf(first["h_next"]));
        Assert.Equal([12f, 12f], FloatsOf(first["score"]));
        Assert.Equal([24f, 24f], FloatsOf(second.Single()));
        Assert.Equal([new StatePair("h", "h_next")], model.Manifest.StatePairs);
    }

    [Theory]
    [InlineData("rate=h_next", "the state pair rate=h_next does not match: the input is int64, the output float32")]
    [InlineData("h=c_next", "the state output 'c_next' is not an output of the graph (it has score, h_next)")]
    [InlineData("c=h_next", "the state input 'c' is not an input of the graph (it has samples, rate, h)")]
    public void A_state_pair_the_graph_cannot_carry_is_refused_at_import(string pair, string expected)
    {
        var refusal = Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(OnnxGraph.Streaming().ToBytes(), Import([StatePair.Parse(pair)])));

        Assert.Contains(expected, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_pair_whose_shapes_differ_is_refused_at_import()
    {
        var graph = new OnnxGraph()
            .Input("h", OnnxGraph.Float, 1, 3)
            .Int64Initializer("axes", [1], [1])
            .Node("ReduceSum", ["h", "axes"], ["h_next"], ("keepdims", 1))
            .Output("h_next", OnnxGraph.Float, 1, 1)
            .ToBytes();

        var refusal = Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(graph, Import([new StatePair("h", "h_next")])));

        Assert.Contains("the state pair h=h_next does not match: the input's shape is [1, 3], the output's [1, 1]", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_model_with_an_op_onnx_runtime_cannot_run_is_refused_naming_the_op()
    {
        var graph = new OnnxGraph().Input("x", OnnxGraph.Float, 2).Node("FrobnicateTensor", ["x"], ["y"]).Output("y", OnnxGraph.Float, 2).ToBytes();

        var refusal = Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(graph, Import([])));

        Assert.Contains("FrobnicateTensor", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_is_for_tensor_models_and_labels_are_for_classifiers()
    {
        var classifier = Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(OnnxGraph.Streaming().ToBytes(), Import([new StatePair("h", "h_next")]) with { Kind = PayloadKind.Telemetry, Labels = ["a", "b"] }));
        var labelled = Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(OnnxGraph.Streaming().ToBytes(), Import([]) with { Labels = ["a", "b"] }));

        Assert.Contains("Only a tensor model carries state", classifier.Message, StringComparison.Ordinal);
        Assert.Contains("labels, features, an image recipe and a scores output are for classifiers", labelled.Message, StringComparison.Ordinal);
    }

    private static OnnxImport Import(IReadOnlyList<StatePair> state) => new() { Name = "any", Version = "1", Kind = PayloadKind.Tensor, StatePairs = state };

    private static OnnxModel Load(byte[] onnx, IReadOnlyList<StatePair>? state = null)
    {
        var (manifest, graph) = ModelImporter.Prepare(onnx, Import(state ?? []));
        return new OnnxModel(manifest, graph);
    }

    private static NamedTensor[] EveryInput() =>
    [
        Tensor("fp16", TensorDatatype.Fp16, [2], new byte[4]),
        Tensor("int32", TensorDatatype.Int32, [2], new byte[8]),
        Tensor("int8", TensorDatatype.Int8, [2], new byte[2]),
        Tensor("bool", TensorDatatype.Bool, [2], new byte[2]),
        Tensor("int64", TensorDatatype.Int64, [], new byte[8]),
        Tensor("uint8", TensorDatatype.UInt8, [2], new byte[2]),
        Tensor("fp64", TensorDatatype.Fp64, [2], new byte[16]),
    ];

    private static NamedTensor Tensor(string name, TensorDatatype type, long[] shape, byte[] data) => new(name, type, shape, data);

    private static NamedTensor Floats(string name, long[] shape, params float[] values) =>
        new(name, TensorDatatype.Fp32, shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    private static float[] FloatsOf(NamedTensor tensor) =>
        [.. Enumerable.Range(0, tensor.Data.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(tensor.Data.Span[(i * 4)..]))];

    private static byte[] Half16(double value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)value);
        return bytes;
    }
}

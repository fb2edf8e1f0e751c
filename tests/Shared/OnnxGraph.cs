using Google.Protobuf;

namespace IotAi.Tests.Shared;

/// <summary>
/// Writes small ONNX models for tests straight in protobuf's wire format (field numbers of onnx.proto's ModelProto,
/// GraphProto, NodeProto, ValueInfoProto and TensorProto): enough to give the model host graphs of the shapes and
/// element types real models have, without shipping one.
/// </summary>
internal sealed class OnnxGraph
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Bool = 9;
    public const int Float16 = 10;
    public const int Double = 11;

    private readonly List<Message> _nodes = [];
    private readonly List<Message> _initializers = [];
    private readonly List<Message> _inputs = [];
    private readonly List<Message> _outputs = [];

    /// <summary>
    /// A model of raw pixels: a uint8 input <c>pixels</c> of <c>[batch, 2, 2, 3]</c> (a 2 x 2 RGB image, interleaved),
    /// cast to float, flattened to twelve values and multiplied by <paramref name="weights"/> (12 x 2) into <c>logits</c>.
    /// </summary>
    public static OnnxGraph RawPixels(float[] weights) => new OnnxGraph()
        .Input("pixels", UInt8, "batch", 2, 2, 3)
        .Node("Cast", ["pixels"], ["values"], ("to", Float))
        .Int64Initializer("flat_shape", [2], [-1, 12])
        .Node("Reshape", ["values", "flat_shape"], ["flat"])
        .FloatInitializer("weights", [12, 2], weights)
        .Node("MatMul", ["flat", "weights"], ["logits"]);

    /// <summary>
    /// A streaming model with state, shaped like an audio model's: <c>samples</c> (float32 <c>[1, n]</c>), a scalar int64
    /// <c>rate</c> and the state <c>h</c> (float32 <c>[1, 2]</c>). It gives <c>h_next = h + sum(samples)</c> and
    /// <c>score = h_next * rate</c>, so each answer shows the state it started from.
    /// </summary>
    public static OnnxGraph Streaming() => new OnnxGraph()
        .Input("samples", Float, 1, "n")
        .Input("rate", Int64)
        .Input("h", Float, 1, 2)
        .Int64Initializer("axes", [1], [1])
        .Node("ReduceSum", ["samples", "axes"], ["sum"], ("keepdims", 1))
        .Node("Add", ["h", "sum"], ["h_next"])
        .Node("Cast", ["rate"], ["rate_f"], ("to", Float))
        .Node("Mul", ["h_next", "rate_f"], ["score"])
        .Output("score", Float, 1, 2)
        .Output("h_next", Float, 1, 2);

    /// <summary>
    /// A model of one input per element type the gateway carries (<c>fp16, int32, int8, bool, int64</c> as a scalar,
    /// <c>uint8, fp64</c>), each given back as <c>{name}_out</c>, and <c>not_bool</c>, the bools negated.
    /// </summary>
    public static OnnxGraph EveryDatatype()
    {
        var graph = new OnnxGraph();
        foreach (var (name, type, dims) in new (string, int, object[])[]
        {
            ("fp16", Float16, [2]), ("int32", Int32, [2]), ("int8", Int8, [2]), ("bool", Bool, [2]), ("int64", Int64, []), ("uint8", UInt8, [2]), ("fp64", Double, [2]),
        })
        {
            graph.Input(name, type, dims).Node("Identity", [name], [$"{name}_out"]).Output($"{name}_out", type, dims);
        }

        return graph.Node("Not", ["bool"], ["not_bool"]).Output("not_bool", Bool, 2);
    }

    /// <summary>A graph input or output: a dimension is a number, or a string for a named dynamic one.</summary>
    public OnnxGraph Input(string name, int elementType, params object[] dims)
    {
        _inputs.Add(ValueInfo(name, elementType, dims));
        return this;
    }

    public OnnxGraph Output(string name, int elementType, params object[] dims)
    {
        _outputs.Add(ValueInfo(name, elementType, dims));
        return this;
    }

    /// <summary>A node; <paramref name="intAttributes"/> are integer attributes such as Cast's <c>to</c>.</summary>
    public OnnxGraph Node(string opType, string[] inputs, string[] outputs, params (string Name, long Value)[] intAttributes)
    {
        var node = new Message();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, $"{opType}_{_nodes.Count}").String(4, opType);
        foreach (var (name, value) in intAttributes)
        {
            // AttributeProto: name 1, i 3, type 20 (INT = 2).
            node.Child(5, new Message().String(1, name).Int(3, value).Int(20, 2));
        }

        _nodes.Add(node);
        return this;
    }

    public OnnxGraph FloatInitializer(string name, long[] dims, float[] values) =>
        Initializer(name, Float, dims, [.. values.SelectMany(BitConverter.GetBytes)]);

    public OnnxGraph Int64Initializer(string name, long[] dims, long[] values) =>
        Initializer(name, Int64, dims, [.. values.SelectMany(BitConverter.GetBytes)]);

    /// <summary>The model: IR version 8, the default opset 13.</summary>
    public byte[] ToBytes()
    {
        var graph = new Message();
        _nodes.ForEach(n => graph.Child(1, n));
        graph.String(2, "test");
        _initializers.ForEach(i => graph.Child(5, i));
        _inputs.ForEach(i => graph.Child(11, i));
        _outputs.ForEach(o => graph.Child(12, o));
        return new Message().Int(1, 8).Child(8, new Message().Int(2, 13)).Child(7, graph).ToBytes();
    }

    /// <summary>
    /// <paramref name="model"/> with this graph's nodes, weights and outputs added to its own graph, under its IR version and
    /// opsets: protobuf merges a message field met twice, so the model's bytes followed by a model that holds only these do it.
    /// </summary>
    public byte[] AppendTo(byte[] model)
    {
        var graph = new Message();
        _nodes.ForEach(n => graph.Child(1, n));
        _initializers.ForEach(i => graph.Child(5, i));
        _inputs.ForEach(i => graph.Child(11, i));
        _outputs.ForEach(o => graph.Child(12, o));
        return [.. model, .. new Message().Child(7, graph).ToBytes()];
    }

    private OnnxGraph Initializer(string name, int elementType, long[] dims, byte[] raw)
    {
        // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian).
        var tensor = new Message();
        foreach (var dim in dims)
        {
            tensor.Int(1, dim);
        }

        _initializers.Add(tensor.Int(2, elementType).String(8, name).Bytes(9, raw));
        return this;
    }

    private static Message ValueInfo(string name, int elementType, object[] dims)
    {
        // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2.
        var shape = new Message();
        foreach (var dim in dims)
        {
            shape.Child(1, dim is string param ? new Message().String(2, param) : new Message().Int(1, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new Message().String(1, name).Child(2, new Message().Child(1, new Message().Int(1, elementType).Child(2, shape)));
    }

    /// <summary>One protobuf message under construction: its fields, encoded as they are added.</summary>
    private sealed class Message
    {
        private readonly List<byte> _bytes = [];

        public Message Int(int field, long value) => Append(o =>
        {
            o.WriteTag(field, WireFormat.WireType.Varint);
            o.WriteInt64(value);
        });

        public Message String(int field, string value) => Append(o =>
        {
            o.WriteTag(field, WireFormat.WireType.LengthDelimited);
            o.WriteString(value);
        });

        public Message Bytes(int field, byte[] value) => Append(o =>
        {
            o.WriteTag(field, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(value));
        });

        public Message Child(int field, Message child) => Bytes(field, child.ToBytes());

        public byte[] ToBytes() => [.. _bytes];

        private Message Append(Action<CodedOutputStream> write)
        {
            using var buffer = new MemoryStream();
            using (var output = new CodedOutputStream(buffer, leaveOpen: true))
            {
                write(output);
            }

            _bytes.AddRange(buffer.ToArray());
            return this;
        }
    }
}

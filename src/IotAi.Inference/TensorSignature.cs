using IotAi.Models;
using IotAi.Protocol;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace IotAi.Inference;

/// <summary>
/// A graph's inputs and outputs as a caller must meet them: for each, its name, datatype and dimensions (-1 for a
/// dynamic one). It checks a call before ONNX Runtime sees it, so a wrong name, type or shape is answered with a
/// message that names the tensor rather than with the runtime's own.
/// </summary>
internal sealed class TensorSignature
{
    private readonly Dictionary<string, Spec> _inputs;
    private readonly Dictionary<string, Spec> _outputs;

    /// <param name="inputs">The session a call enters: the graph's, or its backbone's.</param>
    /// <param name="outputs">The session whose outputs the call gets: the graph's own.</param>
    /// <param name="model">The model's name, for messages.</param>
    /// <param name="strict">
    /// True to refuse a graph with an input or output no tensor can carry (a map, a sequence), as a tensor model must;
    /// false to leave such outputs out, as a classifier's extra outputs may be.
    /// </param>
    public TensorSignature(InferenceSession inputs, InferenceSession outputs, string model, bool strict)
    {
        Model = model;
        _inputs = inputs.InputMetadata.Where(p => strict || Carried(p.Value)).ToDictionary(static p => p.Key, p => Of(p.Key, p.Value, "input"), StringComparer.Ordinal);
        _outputs = outputs.OutputMetadata.Where(p => strict || Carried(p.Value)).ToDictionary(static p => p.Key, p => Of(p.Key, p.Value, "output"), StringComparer.Ordinal);
        InputNames = [.. inputs.InputNames.Where(_inputs.ContainsKey)];
        OutputNames = [.. outputs.OutputNames.Where(_outputs.ContainsKey)];
    }

    public string Model { get; }

    /// <summary>The inputs in the graph's order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The outputs in the graph's order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>One input or output: what a call must give or gets.</summary>
    public sealed record Spec(string Name, TensorDatatype Datatype, TensorElementType ElementType, long[] Dims);

    public Spec Input(string name) => _inputs[name];

    /// <summary>
    /// Checks the inputs a call gives against the graph and returns them in the graph's order, an input the call may
    /// leave out (a state input) filled with zeros. Throws <see cref="TensorException"/> naming the first wrong tensor.
    /// </summary>
    public NamedTensor[] Arrange(IReadOnlyList<NamedTensor> given, IReadOnlySet<string> optional)
    {
        var byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var tensor in given)
        {
            if (!_inputs.TryGetValue(tensor.Name, out var spec))
            {
                throw new TensorException($"model {Model} has no input '{tensor.Name}' (its inputs are {string.Join(", ", InputNames)})");
            }

            if (!byName.TryAdd(tensor.Name, tensor))
            {
                throw new TensorException($"'{tensor.Name}' is given twice");
            }

            Check(spec, tensor);
        }

        return [.. InputNames.Select(name => byName.TryGetValue(name, out var tensor) ? tensor
            : optional.Contains(name) ? Zeros(name)
            : throw new TensorException($"model {Model} needs the input '{name}' ({Describe(_inputs[name])}), which is missing"))];
    }

    /// <summary>The outputs a call asks for, checked, or all of them in the graph's order when it names none.</summary>
    public string[] Outputs(IReadOnlyList<string> wanted)
    {
        if (wanted.Count == 0)
        {
            return [.. OutputNames];
        }

        foreach (var name in wanted)
        {
            if (!_outputs.ContainsKey(name))
            {
                throw new TensorException($"model {Model} has no output '{name}' (its outputs are {string.Join(", ", OutputNames)})");
            }
        }

        return [.. wanted.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>An input's initial value: zeros, of its declared shape with each dynamic dimension taken as 1.</summary>
    public NamedTensor Zeros(string name)
    {
        var spec = _inputs[name];
        long[] shape = [.. spec.Dims.Select(static d => d < 0 ? 1 : d)];
        var count = NamedTensor.ElementsOf(shape);
        var data = spec.Datatype == TensorDatatype.Bytes ? NamedTensor.FromStrings(Enumerable.Repeat(string.Empty, (int)count)) : new byte[count * TensorDatatypes.Size(spec.Datatype)];
        return new NamedTensor(name, spec.Datatype, shape, data);
    }

    public static string Describe(Spec spec) => $"{TensorDatatypes.Name(spec.Datatype)}{NamedTensor.Format(spec.Dims)}";

    private void Check(Spec spec, NamedTensor tensor)
    {
        if (tensor.Datatype != spec.Datatype)
        {
            throw new TensorException($"'{tensor.Name}' is {TensorDatatypes.Name(spec.Datatype)}, not {TensorDatatypes.Name(tensor.Datatype)} (model {Model} takes {Describe(spec)})");
        }

        var fits = tensor.Shape.Count == spec.Dims.Length && tensor.Shape.Zip(spec.Dims).All(static d => d.Second < 0 ? d.First >= 1 : d.First == d.Second);
        if (!fits)
        {
            throw new TensorException($"'{tensor.Name}' has the shape {NamedTensor.Format(tensor.Shape)}, but model {Model} takes {Describe(spec)} (-1: any size from 1)");
        }

        if (tensor.Problem() is { } problem)
        {
            throw new TensorException(problem);
        }
    }

    private static bool Carried(NodeMetadata node) =>
        node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR && TensorDatatypes.TryFromOnnx(OnnxInspector.ElementName(node.ElementDataType), out _);

    private Spec Of(string name, NodeMetadata node, string what)
    {
        if (node.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR || !TensorDatatypes.TryFromOnnx(OnnxInspector.ElementName(node.ElementDataType), out var datatype))
        {
            var type = node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR ? OnnxInspector.ElementName(node.ElementDataType) : node.OnnxValueType.ToString();
            throw new InvalidDataException($"Model {Model}: the {what} '{name}' is of type {type}, which the gateway cannot carry (it carries tensors of {TensorDatatypes.All}).");
        }

        return new Spec(name, datatype, node.ElementDataType, [.. node.Dimensions.Select(static d => (long)d)]);
    }
}

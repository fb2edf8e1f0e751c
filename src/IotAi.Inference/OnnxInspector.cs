using IotAi.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace IotAi.Inference;

/// <summary>Reads an ONNX graph's own description of its inputs and outputs, for manifests and imports.</summary>
public static class OnnxInspector
{
    public static (IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs) Describe(byte[] onnx)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        using var session = Open(onnx);
        return ([.. session.InputMetadata.Select(Spec)], [.. session.OutputMetadata.Select(Spec)]);
    }

    /// <summary>Opens a session, turning ONNX Runtime's refusal into a message that says the file is not a model.</summary>
    internal static InferenceSession Open(byte[] onnx, SessionOptions? options = null)
    {
        try
        {
            return options is null ? new InferenceSession(onnx) : new InferenceSession(onnx, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"The file is not an ONNX model ONNX Runtime can load: {ex.Message}", ex);
        }
    }

    private static TensorSpec Spec(KeyValuePair<string, NodeMetadata> node) => new(
        node.Key,
        node.Value.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR ? ElementName(node.Value.ElementDataType) : node.Value.OnnxValueType.ToString(),
        node.Value.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR ? [.. node.Value.Dimensions.Select(static d => (long)d)] : []);

    internal static string ElementName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Double => "float64",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.UInt32 => "uint32",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        TensorElementType.UInt8 => "uint8",
        _ => type.ToString().ToLowerInvariant(),
    };
}

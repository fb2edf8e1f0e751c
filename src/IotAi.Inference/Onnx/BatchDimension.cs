using Google.Protobuf;

namespace IotAi.Inference.Onnx;

/// <summary>
/// Opens a graph whose batch dimension is fixed at 1 (as many exported classifiers and backbones are): every input
/// and output whose first dimension is 1 gets a named dynamic one instead, and the intermediate shapes the exporter
/// recorded are dropped for ONNX Runtime to infer again. Whether the graph then really batches is for the caller to
/// prove, by running it: a node that hard-codes the batch (a Reshape to [1, …], say) fails or mixes samples.
/// </summary>
internal static class BatchDimension
{
    /// <summary>The name the opened batch dimension gets.</summary>
    public const string Name = "batch";

    /// <summary>The graph with its batch opened, or null when no input and output has a batch fixed at 1 to open.</summary>
    public static byte[]? Open(byte[] onnx)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        var model = ModelShapes.Parser.ParseFrom(onnx);
        if (model.Graph is not { } graph)
        {
            return null;
        }

        var weights = graph.Initializer.Select(static t => t.Name).ToHashSet(StringComparer.Ordinal);
        var opened = graph.Input.Where(i => !weights.Contains(i.Name)).Concat(graph.Output).Count(static value => OpenFirst(value));
        if (opened == 0)
        {
            return null;
        }

        graph.ValueInfo.Clear();
        return model.ToByteArray();
    }

    private static bool OpenFirst(ValueShape value)
    {
        if (value.Type?.TensorType?.Shape is not { Dim.Count: > 0 } shape || shape.Dim[0] is not { ValueCase: Dimension.ValueOneofCase.DimValue, DimValue: 1 } first)
        {
            return false;
        }

        first.DimParam = Name;
        return true;
    }
}

using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Inference.Tests;

/// <summary>What the importer refuses, naming the reason.</summary>
public sealed class ImportRefusalTests
{
    [Fact]
    public void A_graph_with_an_op_onnx_runtime_cannot_run_is_refused_naming_the_op()
    {
        var graph = new OnnxGraph()
            .Input("x", OnnxGraph.Float, "n", 2)
            .Node("FrobnicateTensor", ["x"], ["probabilities"])
            .Output("probabilities", OnnxGraph.Float, "n", 2)
            .ToBytes();

        var refusal = Refused(graph, labels: ["a", "b"], features: ["x", "y"]);

        Assert.Contains("FrobnicateTensor", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backbone_imported_as_a_classifier_is_refused_with_the_hint_that_it_is_one()
    {
        var backbone = new OnnxGraph()
            .Input("x", OnnxGraph.Float, "n", 4)
            .FloatInitializer("projection", [4, 512], [.. Enumerable.Range(0, 4 * 512).Select(static i => (i % 13) / 13f)])
            .Node("MatMul", ["x", "projection"], ["embedding"])
            .Output("embedding", OnnxGraph.Float, "n", 512)
            .ToBytes();

        var refusal = Refused(backbone, labels: ["cat", "dog", "bird"], features: ["a", "b", "c", "d"]);

        Assert.Contains("Output 'embedding' gives 512 values per sample, an embedding: this graph is a backbone, not a classifier", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>The importer's refusal of <paramref name="onnx"/> as a telemetry model with these labels and features.</summary>
    private static InvalidDataException Refused(byte[] onnx, string[] labels, string[] features) =>
        Assert.Throws<InvalidDataException>(() => ModelImporter.Prepare(onnx, new OnnxImport
        {
            Name = "refused",
            Version = "1",
            Kind = PayloadKind.Telemetry,
            Labels = labels,
            Features = features,
        }));
}

using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Inference.Tests;

/// <summary>A graph exported with its batch fixed at 1: opened at import when it really batches, served a sample a call when it does not.</summary>
public sealed class BatchDimensionTests
{
    private static readonly OnnxImport Request = new()
    {
        Name = "fixed-batch",
        Version = "1",
        Kind = PayloadKind.Telemetry,
        Labels = ["ok", "fault"],
        Features = ["a", "b", "c", "d"],
    };

    private static readonly float[] Weights = [0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f, 1f, -2f];

    [Fact]
    public void A_graph_that_batches_once_opened_is_opened_and_a_batch_answers_as_its_samples_do_alone()
    {
        var fixedAtOne = Linear(new OnnxGraph().Input("x", OnnxGraph.Float, 1, 4), "x");

        var (manifest, opened) = ModelImporter.Prepare(fixedAtOne, Request);

        Assert.Contains("opened at import", manifest.Batching, StringComparison.Ordinal);
        using var original = new OnnxModel(manifest with { Sha256 = null }, fixedAtOne);
        using var batched = new OnnxModel(manifest with { Sha256 = null }, opened);
        Assert.Equal((1, int.MaxValue), (original.MaxBatchSize, batched.MaxBatchSize));
        var inputs = Enumerable.Range(0, 4 * 5).Select(static i => (i % 7) / 3f).ToArray();
        var together = new float[2 * 5];
        batched.Run(inputs, 5, together);
        for (var sample = 0; sample < 5; sample++)
        {
            var alone = new float[2];
            original.Run(inputs.AsMemory(sample * 4, 4), 1, alone);
            Assert.Equal(alone[0], together[sample * 2], 5);
            Assert.Equal(alone[1], together[(sample * 2) + 1], 5);
        }
    }

    [Fact]
    public void A_graph_that_hard_codes_its_batch_is_served_a_sample_a_call_and_says_why()
    {
        // A reshape to the constant shape [1, 2, 2] and back: fine for one sample, wrong for any batch.
        var graph = new OnnxGraph()
            .Input("x", OnnxGraph.Float, 1, 4)
            .Int64Initializer("square", [3], [1, 2, 2])
            .Node("Reshape", ["x", "square"], ["squared"])
            .Int64Initializer("row", [2], [1, 4])
            .Node("Reshape", ["squared", "row"], ["flat"]);
        var fixedAtOne = Linear(graph, "flat");

        var (manifest, served) = ModelImporter.Prepare(fixedAtOne, Request);

        Assert.Same(fixedAtOne, served);
        Assert.StartsWith("one sample a call: the graph fixes the batch at 1", manifest.Batching, StringComparison.Ordinal);
        Assert.Contains("a batch of 4 fails", manifest.Batching, StringComparison.Ordinal);
        using var model = new OnnxModel(manifest with { Sha256 = null }, served);
        Assert.Equal(1, model.MaxBatchSize);
    }

    [Fact]
    public void A_graph_with_a_dynamic_batch_is_left_as_it_is()
    {
        var dynamic = Linear(new OnnxGraph().Input("x", OnnxGraph.Float, "n", 4), "x");

        var (manifest, served) = ModelImporter.Prepare(dynamic, Request);

        Assert.Same(dynamic, served);
        Assert.Equal("dynamic batch dimension", manifest.Batching);
    }

    /// <summary>Two scores from <paramref name="features"/>: a matrix product and a softmax, its output fixed at 1 like the input.</summary>
    private static byte[] Linear(OnnxGraph graph, string features) => graph
        .FloatInitializer("weights", [4, 2], Weights)
        .Node("MatMul", [features, "weights"], ["logits"])
        .Node("Softmax", ["logits"], ["probabilities"])
        .Output("probabilities", OnnxGraph.Float, 1, 2)
        .ToBytes();
}

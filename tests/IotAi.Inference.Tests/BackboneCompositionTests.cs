using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Inference.Tests;

/// <summary>
/// A model on a backbone runs the backbone then its head, batched, as one model; versions on the same backbone share its
/// session. The graphs are small ones written for the test, so every number can be worked out by hand.
/// </summary>
public sealed class BackboneCompositionTests
{
    // The backbone: a 1 x 2 x 2 grey image (4 values) through a 4 x 3 projection, given as [batch, 3, 1, 1] like ResNet's pooled output.
    private static readonly float[] Projection = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];

    // The head: 3 embedding values to 2 labels, then softmax.
    private static readonly float[] HeadWeights = [1, -1, -1, 1, 0.5f, 0.5f];

    private static readonly ImagePreprocessing Recipe = new(2, 2, grayscale: true) { Scale = 1 };

    [Fact]
    public void A_batch_runs_the_backbone_then_the_head_and_answers_as_the_two_graphs_do_by_hand()
    {
        var backbone = PretrainedBackbone.FromOnnx("tiny", Backbone().ToBytes());
        using var model = new OnnxModel(Manifest(backbone, "1"), Head().ToBytes(), backbone: backbone.Onnx);
        float[] images = [1, 2, 3, 4, 0, 0, 0, 5];

        var scores = new float[4];
        model.Run(images, 2, scores);

        // Sample 1: embedding [1 + 4, 2 + 4, 3 + 4] = [5, 6, 7]; logits [5 - 6 + 3.5, -5 + 6 + 3.5] = [2.5, 4.5].
        // Sample 2: embedding [5, 5, 5]; logits [2.5, 2.5].
        Assert.Equal(Softmax(2.5f, 4.5f)[0], scores[0], 5);
        Assert.Equal(Softmax(2.5f, 4.5f)[1], scores[1], 5);
        Assert.Equal(0.5f, scores[2], 5);
        Assert.Equal(3, backbone.Width);
    }

    [Fact]
    public void Over_named_tensors_a_model_on_a_backbone_takes_the_backbones_input_and_gives_the_heads_outputs()
    {
        var backbone = PretrainedBackbone.FromOnnx("tiny", Backbone().ToBytes());
        using var model = new OnnxModel(Manifest(backbone, "1"), Head().ToBytes(), backbone: backbone.Onnx);

        var outputs = model.RunTensors([new NamedTensor("image", TensorDatatype.Fp32, [1, 1, 2, 2], new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray())], ["scores"]);

        Assert.Equal([1L, 2L], outputs.Single().Shape);
        Assert.Equal(Softmax(2.5f, 4.5f)[1], BitConverter.ToSingle(outputs.Single().Data.Span[4..]), 5);
    }

    [Fact]
    public void Two_versions_on_one_backbone_hold_one_session_of_it_until_the_last_is_gone()
    {
        var backbone = PretrainedBackbone.FromOnnx("shared", Backbone(scale: 2).ToBytes());

        var first = new OnnxModel(Manifest(backbone, "1"), Head().ToBytes(), backbone: backbone.Onnx);
        var second = new OnnxModel(Manifest(backbone, "2"), Head().ToBytes(), backbone: backbone.Onnx);
        var both = SharedBackbones.Users(backbone.Sha256);
        first.Dispose();
        var one = SharedBackbones.Users(backbone.Sha256);
        second.Dispose();

        Assert.Equal((2, 1, 0), (both, one, SharedBackbones.Users(backbone.Sha256)));
    }

    [Fact]
    public void A_backbone_whose_bytes_are_not_the_ones_the_manifest_names_is_refused()
    {
        var backbone = PretrainedBackbone.FromOnnx("tiny", Backbone(scale: 3).ToBytes());
        var other = Backbone(scale: 4).ToBytes();

        var refusal = Assert.Throws<InvalidDataException>(() => new OnnxModel(Manifest(backbone, "1"), Head().ToBytes(), backbone: other));

        Assert.Contains($"the manifest says {backbone.Sha256}", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, SharedBackbones.Users(backbone.Sha256));
    }

    private static ModelManifest Manifest(PretrainedBackbone backbone, string version) => new()
    {
        Name = "on-backbone",
        Version = version,
        Kind = PayloadKind.Image,
        Input = backbone.Input,
        Image = Recipe,
        Labels = ["left", "right"],
        ScoresOutput = "scores",
        ScoreForm = ScoreForm.Probabilities,
        Backbone = backbone.Part("features"),
    };

    /// <summary>A backbone with its batch fixed at 1, as published ones are: image [1, 1, 2, 2] → embedding [1, 3, 1, 1].</summary>
    private static OnnxGraph Backbone(float scale = 1) => new OnnxGraph()
        .Input("image", OnnxGraph.Float, 1, 1, 2, 2)
        .Int64Initializer("flat", [2], [-1, 4])
        .Node("Reshape", ["image", "flat"], ["pixels"])
        .FloatInitializer("projection", [4, 3], [.. Projection.Select(p => p * scale)])
        .Node("MatMul", ["pixels", "projection"], ["projected"])
        .Int64Initializer("pooled", [4], [-1, 3, 1, 1])
        .Node("Reshape", ["projected", "pooled"], ["embedding"])
        .Output("embedding", OnnxGraph.Float, 1, 3, 1, 1);

    private static OnnxGraph Head() => new OnnxGraph()
        .Input("features", OnnxGraph.Float, "batch", 3)
        .FloatInitializer("weights", [3, 2], HeadWeights)
        .Node("MatMul", ["features", "weights"], ["logits"])
        .Node("Softmax", ["logits"], ["scores"])
        .Output("scores", OnnxGraph.Float, "batch", 2);

    private static float[] Softmax(float a, float b)
    {
        var (ea, eb) = (MathF.Exp(a), MathF.Exp(b));
        return [ea / (ea + eb), eb / (ea + eb)];
    }
}

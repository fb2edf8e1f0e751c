using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Inference.Tests;

/// <summary>Image models whose input is not the shipped models' float vector: uint8 pixels, open spatial dimensions, another layout.</summary>
public sealed class ImageInputTests
{
    private static readonly byte[] Square = ImageRecipeTests.Png(2, 2, [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]]);

    [Fact]
    public void A_uint8_interleaved_input_gets_the_pixel_values_as_bytes()
    {
        // Cast to float, flatten, and two scores: the sum of all twelve values and the first of them.
        var weights = new float[12 * 2];
        for (var i = 0; i < 12; i++)
        {
            weights[i * 2] = 1;
        }

        weights[1] = 1;
        var onnx = OnnxGraph.RawPixels(weights)
            .Node("Identity", ["logits"], ["scores"])
            .Output("scores", OnnxGraph.Float, "batch", 2)
            .ToBytes();
        var recipe = new ImagePreprocessing(2, 2, ChannelOrder.Rgb) { Layout = TensorLayout.Nhwc, ElementType = PixelType.UInt8 };
        using var model = new OnnxModel(Manifest(recipe, "pixels", ["sum", "first"]), onnx);

        Assert.Equal([780f, 10f], Run(model, recipe, Square));
    }

    [Fact]
    public void Open_height_and_width_are_filled_from_the_recipe()
    {
        // The per-channel mean, as a global average pool gives it, over whatever size the recipe asks for.
        var onnx = new OnnxGraph()
            .Input("image", OnnxGraph.Float, "batch", 3, "height", "width")
            .Node("GlobalAveragePool", ["image"], ["pooled"])
            .Node("Flatten", ["pooled"], ["scores"])
            .Output("scores", OnnxGraph.Float, "batch", 3)
            .ToBytes();
        var recipe = new ImagePreprocessing(2, 2, ChannelOrder.Rgb) { Scale = 1 };
        using var model = new OnnxModel(Manifest(recipe, "image", ["r", "g", "b"]), onnx);

        Assert.Equal([55f, 65f, 75f], Run(model, recipe, Square));
    }

    [Fact]
    public void A_layout_that_does_not_match_the_graph_is_refused_naming_the_dimension()
    {
        var onnx = new OnnxGraph()
            .Input("image", OnnxGraph.Float, "batch", 2, 2, 3)
            .Node("GlobalAveragePool", ["image"], ["pooled"])
            .Node("Flatten", ["pooled"], ["scores"])
            .Output("scores", OnnxGraph.Float, "batch", 2)
            .ToBytes();

        var refusal = Assert.Throws<InvalidDataException>(() => new OnnxModel(Manifest(new ImagePreprocessing(2, 2, ChannelOrder.Rgb), "image", ["a", "b"]), onnx));

        Assert.Contains("the channels dimension is 2, not 3", refusal.Message, StringComparison.Ordinal);
    }

    private static float[] Run(OnnxModel model, ImagePreprocessing recipe, byte[] image)
    {
        var input = new float[recipe.InputLength];
        Assert.Null(ImagePreprocessor.TryPreprocess(image, recipe, input));
        var scores = new float[model.Manifest.Labels.Count];
        model.Run(input, 1, scores);
        return scores;
    }

    private static ModelManifest Manifest(ImagePreprocessing recipe, string input, IReadOnlyList<string> labels) => new()
    {
        Name = "test-image",
        Version = "1",
        Kind = PayloadKind.Image,
        Input = input,
        Image = recipe,
        Labels = labels,
        ScoresOutput = "scores",
        ScoreForm = ScoreForm.Probabilities,
    };
}

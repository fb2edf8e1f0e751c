using IotAi.Models;
using IotAi.Synthetic;
using SkiaSharp;

namespace IotAi.Inference.Tests;

public sealed class ImagePreprocessorTests
{
    private static readonly ImagePreprocessing Recipe = new(32, 32, grayscale: true);

    [Fact]
    public void Jpeg_and_png_of_the_same_frame_give_nearly_the_same_input()
    {
        var jpeg = new SyntheticCamera(seed: 5, format: SKEncodedImageFormat.Jpeg).Next(ImageShape.Square);
        var png = new SyntheticCamera(seed: 5, format: SKEncodedImageFormat.Png).Next(ImageShape.Square);
        var fromJpeg = new float[Recipe.InputLength];
        var fromPng = new float[Recipe.InputLength];

        Assert.Null(ImagePreprocessor.TryPreprocess(jpeg.Encoded, Recipe, fromJpeg));
        Assert.Null(ImagePreprocessor.TryPreprocess(png.Encoded, Recipe, fromPng));

        var meanError = fromJpeg.Zip(fromPng, (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(meanError, 0, 0.05);
        Assert.All(fromPng, v => Assert.InRange(v, 0f, 1f));
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 1, 2, 3, 4 }, "not a JPEG or PNG")]
    public void Refuses_what_is_not_an_image(byte[] payload, string expected)
    {
        Assert.Contains(expected, ImagePreprocessor.TryPreprocess(payload, Recipe, new float[Recipe.InputLength]), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_image_format_the_protocol_does_not_admit()
    {
        using var bitmap = new SKBitmap(32, 32);
        using var webp = bitmap.Encode(SKEncodedImageFormat.Webp, 90);

        var error = ImagePreprocessor.TryPreprocess(webp.ToArray(), Recipe, new float[Recipe.InputLength]);

        Assert.Contains("not a JPEG or PNG", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_huge_image_from_its_header_alone()
    {
        using var bitmap = new SKBitmap(5000, 8);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var error = ImagePreprocessor.TryPreprocess(png.ToArray(), Recipe, new float[Recipe.InputLength]);

        Assert.Contains("5000x8", error, StringComparison.Ordinal);
    }
}

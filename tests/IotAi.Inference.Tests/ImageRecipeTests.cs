using System.Text.Json;
using IotAi.Models;
using SkiaSharp;

namespace IotAi.Inference.Tests;

/// <summary>
/// Every option of the image recipe against tensors worked out by hand, on images small enough to write down. The
/// sizes are chosen so that no pixel is resampled (a crop or a letterbox at scale 1), so each expected value is exact.
/// </summary>
public sealed class ImageRecipeTests
{
    // A 2 x 2 image, row by row: (R, G, B) of each pixel.
    private static readonly byte[][] Pixels = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]];

    private static readonly byte[] Square = Png(2, 2, Pixels);

    [Fact]
    public void Rgb_planar_scaled_to_0_1_by_default()
    {
        float[] expected = [10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120];
        AssertValues(Scaled(expected, 1f / 255), new ImagePreprocessing(2, 2, ChannelOrder.Rgb), Square);
    }

    [Fact]
    public void Bgr_interleaved()
    {
        float[] expected = [30, 20, 10, 60, 50, 40, 90, 80, 70, 120, 110, 100];
        AssertValues(Scaled(expected, 1f / 255), new ImagePreprocessing(2, 2, ChannelOrder.Bgr) { Layout = TensorLayout.Nhwc }, Square);
    }

    [Fact]
    public void Gray_is_the_luminance()
    {
        var expected = Pixels.Select(static p => ((0.299f * p[0]) + (0.587f * p[1]) + (0.114f * p[2])) / 255f).ToArray();
        AssertValues(expected, new ImagePreprocessing(2, 2, ChannelOrder.Gray), Square);
    }

    [Fact]
    public void Per_channel_mean_and_std_after_the_scale()
    {
        var recipe = ImagePreprocessing.ImageNet(2) with { Resize = ResizeMode.Stretch, ResizeTo = null };
        float[] mean = [0.485f, 0.456f, 0.406f];
        float[] std = [0.229f, 0.224f, 0.225f];
        var expected = Enumerable.Range(0, 3).SelectMany(c => Pixels.Select(p => ((p[c] / 255f) - mean[c]) / std[c])).ToArray();
        AssertValues(expected, recipe, Square);
    }

    [Fact]
    public void The_minus_one_to_one_preset()
    {
        var recipe = ImagePreprocessing.Preset("[-1,1]", side: 2);
        var expected = Enumerable.Range(0, 3).SelectMany(c => Pixels.Select(p => (p[c] / 127.5f) - 1f)).ToArray();
        AssertValues(expected, recipe, Square);
        Assert.Equal(-1f, Values(recipe, Png(2, 2, [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]])).Min(), 5);
        Assert.Equal(1f, Values(recipe, Png(2, 2, [[255, 255, 255], [255, 255, 255], [255, 255, 255], [255, 255, 255]])).Max(), 5);
    }

    [Fact]
    public void Uint8_input_keeps_the_pixel_values()
    {
        float[] expected = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
        AssertValues(expected, new ImagePreprocessing(2, 2, ChannelOrder.Rgb) { Layout = TensorLayout.Nhwc, ElementType = PixelType.UInt8 }, Square);
    }

    [Fact]
    public void A_centre_crop_takes_the_middle_of_a_wide_image_and_of_a_tall_one()
    {
        // 4 x 2, each column its own red value: the shorter side is already 2, so the crop keeps columns 1 and 2.
        var wide = Png(4, 2, [[0, 0, 0], [60, 0, 0], [120, 0, 0], [180, 0, 0], [0, 0, 0], [60, 0, 0], [120, 0, 0], [180, 0, 0]]);
        var crop = new ImagePreprocessing(2, 2, ChannelOrder.Rgb) { Resize = ResizeMode.Crop, ResizeTo = 2, Scale = 1 };
        Assert.Equal([60f, 120f, 60f, 120f], Values(crop, wide)[..4]);

        // 2 x 6, each row its own green value: rows 2 and 3 are the middle.
        var tall = Png(2, 6, [.. Enumerable.Range(0, 12).Select(static i => new byte[] { 0, (byte)(40 * (i / 2)), 0 })]);
        Assert.Equal([80f, 80f, 120f, 120f], Values(crop, tall)[4..8]);
    }

    [Fact]
    public void A_letterbox_keeps_the_whole_image_and_pads_the_rest()
    {
        // 4 x 2 into 4 x 4: scale 1, one padded row above and one below.
        var image = Png(4, 2, [.. Enumerable.Range(0, 8).Select(static i => new byte[] { (byte)(10 * (i + 1)), 0, 0 })]);
        var recipe = new ImagePreprocessing(4, 4, ChannelOrder.Rgb) { Resize = ResizeMode.Letterbox, PadValue = 114, Scale = 1 };
        float[] red = [114, 114, 114, 114, 10, 20, 30, 40, 50, 60, 70, 80, 114, 114, 114, 114];
        Assert.Equal(red, Values(recipe, image)[..16]);
        Assert.Equal([114f, 114f, 114f, 114f, 0f, 0f, 0f, 0f], Values(recipe, image)[16..24]);
    }

    [Theory]
    [InlineData(ResizeMode.Stretch)]
    [InlineData(ResizeMode.Crop)]
    [InlineData(ResizeMode.Letterbox)]
    public void A_device_that_sends_its_picture_already_fitted_gets_the_same_input_as_from_the_original(ResizeMode resize)
    {
        // What the edge agent sends (the image fitted to the recipe, as PNG) and the original picture give the silo
        // the same values, so a device may save the bandwidth.
        var original = Png(120, 80, [.. Enumerable.Range(0, 120 * 80).Select(static i => new byte[] { (byte)(i % 120 * 2), (byte)(i / 120 * 3), (byte)(i * 7 % 256) })]);
        var recipe = ImagePreprocessing.ImageNet(32) with { Resize = resize, ResizeTo = resize == ResizeMode.Crop ? 40 : null };

        var fitted = ImagePreprocessor.TryResizeToPng(original, recipe, out var error);

        Assert.Null(error);
        Assert.Equal(Values(recipe, original), Values(recipe, fitted!));
    }

    [Theory]
    [InlineData("imagenet", 224, 224, ChannelOrder.Rgb)]
    [InlineData("[-1,1]", 224, 224, ChannelOrder.Rgb)]
    [InlineData("64x48:bgr", 64, 48, ChannelOrder.Bgr)]
    [InlineData("32x32", 32, 32, ChannelOrder.Gray)]
    public void Reads_presets_and_the_short_form(string text, int width, int height, ChannelOrder channels)
    {
        var recipe = ImagePreprocessing.Parse(text);
        Assert.Equal((width, height, channels), (recipe.Width, recipe.Height, recipe.Channels));
        Assert.Null(recipe.Problem());
    }

    [Fact]
    public void The_imagenet_preset_resizes_the_shorter_side_to_256_and_crops_224()
    {
        var recipe = ImagePreprocessing.Parse("imagenet");
        Assert.Equal((ResizeMode.Crop, 256, TensorLayout.Nchw, PixelType.Float32), (recipe.Resize, recipe.ResizeTo, recipe.Layout, recipe.ElementType));
        Assert.Equal([1L, 3, 224, 224], recipe.SampleShape);
    }

    [Theory]
    [InlineData("mean", "mean has 2 values")]
    [InlineData("std", "must be positive")]
    [InlineData("uint8", "uint8 input takes the pixels' own")]
    [InlineData("crop", "at least 224")]
    public void A_recipe_that_cannot_work_says_why(string fault, string expected)
    {
        var imageNet = ImagePreprocessing.ImageNet();
        var broken = fault switch
        {
            "mean" => imageNet with { Mean = [0.5f, 0.5f] },
            "std" => imageNet with { Std = [0.2f, 0f, 0.2f] },
            "uint8" => imageNet with { ElementType = PixelType.UInt8 },
            _ => imageNet with { ResizeTo = 200 },
        };
        Assert.Contains(expected, broken.Problem(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_written_before_channels_existed_still_reads_and_new_ones_still_say_grayscale()
    {
        var options = ModelManifest.JsonOptions;
        Assert.Equal(ChannelOrder.Gray, JsonSerializer.Deserialize<ImagePreprocessing>("""{"width":32,"height":32,"grayscale":true}""", options)!.Channels);
        Assert.Equal(ChannelOrder.Rgb, JsonSerializer.Deserialize<ImagePreprocessing>("""{"width":32,"height":32,"grayscale":false}""", options)!.Channels);

        var imageNet = ImagePreprocessing.ImageNet();
        var json = JsonSerializer.Serialize(imageNet, options);
        Assert.Contains("\"grayscale\": false", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<ImagePreprocessing>(json, options)!;
        Assert.Equal((imageNet.Channels, imageNet.Resize, imageNet.ResizeTo), (back.Channels, back.Resize, back.ResizeTo));
        Assert.Equal(imageNet.Mean, back.Mean);
        Assert.Equal(imageNet.Std, back.Std);
    }

    private static void AssertValues(float[] expected, ImagePreprocessing recipe, byte[] image)
    {
        var actual = Values(recipe, image);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static float[] Values(ImagePreprocessing recipe, byte[] image)
    {
        var values = new float[recipe.InputLength];
        Assert.Null(ImagePreprocessor.TryPreprocess(image, recipe, values));
        return values;
    }

    private static float[] Scaled(float[] values, float scale) => [.. values.Select(v => v * scale)];

    /// <summary>A lossless PNG of <paramref name="width"/> x <paramref name="height"/> opaque pixels, row by row.</summary>
    internal static byte[] Png(int width, int height, byte[][] rgb)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (var i = 0; i < rgb.Length; i++)
        {
            bitmap.SetPixel(i % width, i / width, new SKColor(rgb[i][0], rgb[i][1], rgb[i][2]));
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}

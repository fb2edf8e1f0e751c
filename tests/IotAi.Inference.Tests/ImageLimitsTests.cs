using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using SkiaSharp;

namespace IotAi.Inference.Tests;

/// <summary>Images over the limits are refused from their length or header, before any pixel is decoded.</summary>
public sealed class ImageLimitsTests
{
    private static readonly ImagePreprocessing Recipe = new(32, 32, grayscale: true);

    [Fact]
    public void A_png_bomb_is_refused_without_decoding_its_pixels()
    {
        // 50,000 x 50,000 grey: decoding would need 10 GB of RGBA pixels; the file is a few hundred bytes.
        var bomb = PngBomb.Of(50_000, 50_000);
        var features = new float[Recipe.InputLength];
        ImagePreprocessor.TryPreprocess(PngBomb.Of(8, 8), Recipe, features); // warm the decoder's own first-use allocations

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = ImagePreprocessor.TryPreprocess(bomb, Recipe, features);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(bomb.Length < 64 * 1024, $"the bomb is {bomb.Length} bytes");
        Assert.Contains("50000x50000", error, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"refusing the bomb allocated {allocated} bytes");
    }

    [Fact]
    public void An_image_of_more_pixels_than_allowed_is_refused_even_within_the_largest_side()
    {
        using var bitmap = new SKBitmap(2000, 1000);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var error = ImagePreprocessor.TryPreprocess(png.ToArray(), Recipe, new float[Recipe.InputLength], new PayloadLimits { MaxImagePixels = 1_000_000 });

        Assert.Contains("2000x1000; at most 1000000 pixels", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_longer_than_allowed_is_refused_unread()
    {
        var frame = new IotAi.Synthetic.SyntheticCamera(seed: 3).Next(IotAi.Synthetic.ImageShape.Square).Encoded;

        var error = ImagePreprocessor.TryPreprocess(frame, Recipe, new float[Recipe.InputLength], new PayloadLimits { MaxImageBytes = frame.Length - 1 });

        Assert.Contains($"at most {frame.Length - 1} are accepted", error, StringComparison.Ordinal);
    }
}

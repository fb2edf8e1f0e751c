using IotAi.Models;
using IotAi.Protocol;
using SkiaSharp;

namespace IotAi.Inference;

/// <summary>
/// Turns JPEG or PNG bytes into a model's input vector. Training calls the same code, so the cloud and the
/// trainer can never disagree on pixels.
/// </summary>
public static class ImagePreprocessor
{
    /// <summary>Images larger than this in either dimension are refused before their pixels are decoded.</summary>
    public const int MaxDimension = 4096;

    /// <summary>Decodes <paramref name="encoded"/> and writes the preprocessed pixels; returns an error or null.</summary>
    public static string? TryPreprocess(ReadOnlySpan<byte> encoded, ImagePreprocessing recipe, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (encoded.IsEmpty)
        {
            return "the image is empty";
        }

        // The decoder reads more formats than the protocol admits; JPEG and PNG are all a device may send.
        if (ContentTypes.SniffImage(encoded) is null)
        {
            return "the payload is not a JPEG or PNG image";
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return "the payload is not a JPEG or PNG image";
        }

        // The header gives the size before any pixel is decoded, so a decompression bomb costs nothing.
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || info.Width > MaxDimension || info.Height > MaxDimension)
        {
            return $"the image is {info.Width}x{info.Height}; at most {MaxDimension}x{MaxDimension} is accepted";
        }

        using var bitmap = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            return $"the image could not be decoded ({result})";
        }

        Preprocess(bitmap, recipe, destination);
        return null;
    }

    /// <summary>Resizes an already decoded bitmap and writes its pixels scaled to [0, 1].</summary>
    public static void Preprocess(SKBitmap bitmap, ImagePreprocessing recipe, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentNullException.ThrowIfNull(recipe);
        if (destination.Length < recipe.InputLength)
        {
            throw new ArgumentException("The destination is shorter than the model input.", nameof(destination));
        }

        var target = new SKImageInfo(recipe.Width, recipe.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var resized = bitmap.Info.Width == recipe.Width && bitmap.Info.Height == recipe.Height && bitmap.ColorType == SKColorType.Rgba8888
            ? bitmap.Copy()
            : bitmap.Resize(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var pixels = resized.GetPixelSpan();
        var count = recipe.Width * recipe.Height;
        const float scale = 1f / 255f;
        for (var i = 0; i < count; i++)
        {
            var r = pixels[i * 4];
            var g = pixels[(i * 4) + 1];
            var b = pixels[(i * 4) + 2];
            if (recipe.Grayscale)
            {
                destination[i] = ((0.299f * r) + (0.587f * g) + (0.114f * b)) * scale;
            }
            else
            {
                // Planar CHW, the layout image models expect.
                destination[i] = r * scale;
                destination[count + i] = g * scale;
                destination[(2 * count) + i] = b * scale;
            }
        }
    }
}

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

    /// <summary>
    /// Decodes <paramref name="encoded"/> and writes the preprocessed pixels; returns an error or null. An image over
    /// <paramref name="limits"/> (<see cref="PayloadLimits.Default"/> when null) is refused from its length or its header.
    /// </summary>
    public static string? TryPreprocess(ReadOnlySpan<byte> encoded, ImagePreprocessing recipe, Span<float> destination, PayloadLimits? limits = null) =>
        TryPreprocess(encoded, recipe, destination, anyFormat: false, limits ?? PayloadLimits.Default);

    /// <summary>
    /// As <see cref="TryPreprocess(ReadOnlySpan{byte}, ImagePreprocessing, Span{float}, PayloadLimits)"/>, but for every format the
    /// decoder reads (BMP, GIF, WebP too): training images on disk are not limited to what a device may send, and
    /// once decoded their pixels take the same road.
    /// </summary>
    public static string? TryPreprocessAnyFormat(ReadOnlySpan<byte> encoded, ImagePreprocessing recipe, Span<float> destination) =>
        TryPreprocess(encoded, recipe, destination, anyFormat: true, PayloadLimits.Default);

    private static string? TryPreprocess(ReadOnlySpan<byte> encoded, ImagePreprocessing recipe, Span<float> destination, bool anyFormat, PayloadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        using var bitmap = Decode(encoded, anyFormat, limits, out var error);
        if (bitmap is null)
        {
            return error;
        }

        Preprocess(bitmap, recipe, destination);
        return null;
    }

    /// <summary>
    /// The image resized to the size <paramref name="recipe"/> feeds its model, as PNG: what a device sends
    /// instead of the full picture. PNG is lossless, so the model sees the same pixels as from the original.
    /// Returns null, with the reason, for what is not a readable JPEG or PNG.
    /// </summary>
    public static byte[]? TryResizeToPng(ReadOnlySpan<byte> encoded, ImagePreprocessing recipe, out string? error)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        using var bitmap = Decode(encoded, anyFormat: false, PayloadLimits.Default, out error);
        if (bitmap is null)
        {
            return null;
        }

        using var resized = Resize(bitmap, recipe);
        using var image = SKImage.FromBitmap(resized);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Decodes a JPEG or PNG (any format the decoder reads, with <paramref name="anyFormat"/>) within the limits; null with the reason otherwise.</summary>
    private static SKBitmap? Decode(ReadOnlySpan<byte> encoded, bool anyFormat, PayloadLimits limits, out string? error)
    {
        error = null;
        if (encoded.IsEmpty)
        {
            error = "the image is empty";
            return null;
        }

        if (encoded.Length > limits.MaxImageBytes)
        {
            error = $"the image is {encoded.Length} bytes; at most {limits.MaxImageBytes} are accepted";
            return null;
        }

        // The decoder reads more formats than the protocol admits; JPEG and PNG are all a device may send.
        using var data = anyFormat || ContentTypes.SniffImage(encoded) is not null ? SKData.CreateCopy(encoded) : null;
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null)
        {
            error = anyFormat ? "the file is not an image the decoder reads" : "the payload is not a JPEG or PNG image";
            return null;
        }

        // The header gives the size before any pixel is decoded, so a decompression bomb costs nothing.
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || info.Width > MaxDimension || info.Height > MaxDimension)
        {
            error = $"the image is {info.Width}x{info.Height}; at most {MaxDimension}x{MaxDimension} is accepted";
            return null;
        }

        if ((long)info.Width * info.Height > limits.MaxImagePixels)
        {
            error = $"the image is {info.Width}x{info.Height}; at most {limits.MaxImagePixels} pixels are accepted";
            return null;
        }

        var bitmap = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            bitmap.Dispose();
            error = $"the image could not be decoded ({result})";
            return null;
        }

        return bitmap;
    }

    private static SKBitmap Resize(SKBitmap bitmap, ImagePreprocessing recipe)
    {
        var target = new SKImageInfo(recipe.Width, recipe.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        return bitmap.Info.Width == recipe.Width && bitmap.Info.Height == recipe.Height && bitmap.ColorType == SKColorType.Rgba8888
            ? bitmap.Copy()
            : bitmap.Resize(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
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

        using var resized = Resize(bitmap, recipe);
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

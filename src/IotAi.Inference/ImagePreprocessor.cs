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
    /// The image fitted to the size <paramref name="recipe"/> feeds its model, as PNG: what a device sends instead of
    /// the full picture. PNG is lossless and a fitted image is taken as it is, so the model sees the same pixels as
    /// from the original.
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

        using var resized = Fit(bitmap, recipe);
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

    /// <summary>
    /// The image fitted to the recipe's size as <see cref="ImagePreprocessing.Resize"/> says. An image that already has
    /// that size is taken as it is, so a device may send its pictures already fitted (<see cref="TryResizeToPng"/>).
    /// </summary>
    private static SKBitmap Fit(SKBitmap bitmap, ImagePreprocessing recipe)
    {
        var (width, height) = (recipe.Width, recipe.Height);
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        if (bitmap.Info.Width == width && bitmap.Info.Height == height)
        {
            return bitmap.ColorType == SKColorType.Rgba8888 ? bitmap.Copy() : bitmap.Copy(SKColorType.Rgba8888);
        }

        if (recipe.Resize == ResizeMode.Stretch)
        {
            return bitmap.Resize(target, Sampling);
        }

        var (w, h) = ((float)bitmap.Info.Width, (float)bitmap.Info.Height);
        SKRect source, destination;
        if (recipe.Resize == ResizeMode.Crop)
        {
            // The shorter side scaled to ResizeTo, then the centre cut out: in the original's pixels, a centred
            // rectangle of the input's size divided by that scale.
            var scale = (recipe.ResizeTo ?? Math.Max(width, height)) / Math.Min(w, h);
            var (sw, sh) = (width / scale, height / scale);
            source = SKRect.Create((w - sw) / 2, (h - sh) / 2, sw, sh);
            destination = SKRect.Create(0, 0, width, height);
        }
        else
        {
            // The whole image scaled to fit, centred on whole pixels; the rest keeps the padding.
            var scale = Math.Min(width / w, height / h);
            var (dw, dh) = ((int)Math.Round(w * scale), (int)Math.Round(h * scale));
            source = SKRect.Create(0, 0, w, h);
            destination = SKRect.Create((width - dw) / 2, (height - dh) / 2, dw, dh);
        }

        var fitted = new SKBitmap(target);
        using var canvas = new SKCanvas(fitted);
        canvas.Clear(new SKColor(recipe.PadValue, recipe.PadValue, recipe.PadValue));
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, source, destination, Sampling);
        canvas.Flush();
        return fitted;
    }

    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>
    /// Fits an already decoded bitmap to the recipe and writes its values: the channels in the recipe's order, each
    /// <c>(pixel × scale − mean) / std</c>, planar (NCHW) or interleaved (NHWC). A uint8 input gets the pixel values
    /// themselves, which the model host hands the graph as bytes.
    /// </summary>
    public static void Preprocess(SKBitmap bitmap, ImagePreprocessing recipe, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentNullException.ThrowIfNull(recipe);
        if (destination.Length < recipe.InputLength)
        {
            throw new ArgumentException("The destination is shorter than the model input.", nameof(destination));
        }

        using var fitted = Fit(bitmap, recipe);
        Write(fitted.GetPixelSpan(), recipe, destination);
    }

    /// <summary>Writes <paramref name="rgba"/> (the fitted image, 4 bytes a pixel) into <paramref name="destination"/> as the recipe says.</summary>
    internal static void Write(ReadOnlySpan<byte> rgba, ImagePreprocessing recipe, Span<float> destination)
    {
        var count = recipe.Width * recipe.Height;
        var channels = recipe.ChannelCount;
        Span<float> multiply = stackalloc float[channels];
        Span<float> add = stackalloc float[channels];
        for (var c = 0; c < channels; c++)
        {
            // (p × scale − mean) / std, as one multiply and one add per value.
            var std = recipe.Std.Count == 0 ? 1f : recipe.Std[c];
            var mean = recipe.Mean.Count == 0 ? 0f : recipe.Mean[c];
            multiply[c] = recipe.EffectiveScale / std;
            add[c] = -mean / std;
        }

        var planar = recipe.Layout == TensorLayout.Nchw;
        Span<float> pixel = stackalloc float[3];
        for (var i = 0; i < count; i++)
        {
            var (r, g, b) = (rgba[i * 4], rgba[(i * 4) + 1], rgba[(i * 4) + 2]);
            switch (recipe.Channels)
            {
                case ChannelOrder.Gray:
                    pixel[0] = (0.299f * r) + (0.587f * g) + (0.114f * b);
                    break;
                case ChannelOrder.Rgb:
                    (pixel[0], pixel[1], pixel[2]) = (r, g, b);
                    break;
                default:
                    (pixel[0], pixel[1], pixel[2]) = (b, g, r);
                    break;
            }

            for (var c = 0; c < channels; c++)
            {
                destination[planar ? (c * count) + i : (i * channels) + c] = (pixel[c] * multiply[c]) + add[c];
            }
        }
    }
}

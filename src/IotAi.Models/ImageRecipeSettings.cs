using System.Globalization;

namespace IotAi.Models;

/// <summary>
/// Changes to an image recipe as users write them, one text a setting, under the same names in
/// <c>iotai models import</c>, <c>iotai train</c> and the model API's query: <c>layout</c> (nchw, nhwc), <c>dtype</c>
/// (float32, uint8), <c>scale</c>, <c>mean</c> and <c>std</c> (comma-separated, one value a channel), <c>resize</c>
/// (stretch, crop or crop:SHORTER_SIDE, letterbox or letterbox:PAD_VALUE). A setting left null keeps the recipe's.
/// </summary>
public sealed record ImageRecipeSettings(string? Layout = null, string? ElementType = null, string? Scale = null, string? Mean = null, string? Std = null, string? Resize = null)
{
    /// <summary>The settings' names, in the order of the record's values.</summary>
    public static IReadOnlyList<string> Names { get; } = ["layout", "dtype", "scale", "mean", "std", "resize"];

    /// <summary>The settings as name and text, for a query string; null values included.</summary>
    public IReadOnlyList<(string Name, string? Value)> Pairs => [("layout", Layout), ("dtype", ElementType), ("scale", Scale), ("mean", Mean), ("std", Std), ("resize", Resize)];

    /// <summary>Reads them from a lookup by name, such as a query string.</summary>
    public static ImageRecipeSettings From(Func<string, string?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value("layout"), value("dtype"), value("scale"), value("mean"), value("std"), value("resize"));
    }

    /// <summary>The recipe with these settings applied, checked whole; an <see cref="ArgumentException"/> names the setting that does not read, or what is wrong.</summary>
    public ImagePreprocessing ApplyTo(ImagePreprocessing recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var result = recipe;
        if (Layout is { Length: > 0 })
        {
            result = result with { Layout = Choice<TensorLayout>("layout", Layout) };
        }

        if (ElementType is { Length: > 0 })
        {
            result = result with { ElementType = Choice<PixelType>("dtype", ElementType) };
        }

        if (Scale is { Length: > 0 })
        {
            result = result with { Scale = Number("scale", Scale) };
        }

        if (Mean is { Length: > 0 })
        {
            result = result with { Mean = Numbers("mean", Mean) };
        }

        if (Std is { Length: > 0 })
        {
            result = result with { Std = Numbers("std", Std) };
        }

        if (Resize is { Length: > 0 })
        {
            result = WithResize(result, Resize);
        }

        return result.Problem() is { } problem ? throw new ArgumentException($"the image recipe does not work: {problem}") : result;
    }

    private static ImagePreprocessing WithResize(ImagePreprocessing recipe, string text)
    {
        var (mode, argument) = text.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? (text[..colon], text[(colon + 1)..]) : (text, null);
        var resize = Choice<ResizeMode>("resize", mode);
        if (argument is null)
        {
            return recipe with { Resize = resize };
        }

        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || resize == ResizeMode.Stretch
            || (resize == ResizeMode.Letterbox && value > 255) || value > ImagePreprocessing.MaxSide * 2)
        {
            throw new ArgumentException($"resize is stretch, crop, crop:SHORTER_SIDE or letterbox:PAD_VALUE (0-255), not '{text}'");
        }

        return resize == ResizeMode.Crop ? recipe with { Resize = resize, ResizeTo = value } : recipe with { Resize = resize, PadValue = (byte)value };
    }

    private static T Choice<T>(string name, string text)
        where T : struct, Enum =>
        Enum.TryParse<T>(text.Trim(), ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ArgumentException($"{name} is one of {string.Join(", ", Enum.GetNames<T>().Select(static n => n.ToLowerInvariant()))}, not '{text}'");

    private static float Number(string name, string text) =>
        float.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name} is a number such as 0.00392 or 1, not '{text}'");

    private static float[] Numbers(string name, string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries).Select(part => Number(name, part))];
}

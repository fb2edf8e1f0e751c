using System.Globalization;
using System.Text.Json.Serialization;

namespace IotAi.Models;

/// <summary>
/// How an image becomes a model's input tensor: decode, fit to <see cref="Width"/> × <see cref="Height"/> as
/// <see cref="Resize"/> says, take the channels in <see cref="Channels"/> order, and write each value as
/// <c>(pixel × Scale − Mean[c]) / Std[c]</c> in <see cref="Layout"/>, as <see cref="ElementType"/>. The defaults are the
/// shipped models' recipe: stretch, planar, float, scaled to [0, 1]. Published CNNs mostly need a preset such as
/// <see cref="ImageNet"/>. The edge agent and the silo run the same code on it (<c>ImagePreprocessor</c>).
/// </summary>
public sealed record ImagePreprocessing
{
    /// <summary>The largest side a recipe may ask for.</summary>
    public const int MaxSide = 4096;

    /// <summary>The presets <see cref="Preset"/> knows, by name.</summary>
    public static IReadOnlyList<string> Presets { get; } = ["imagenet", "[-1,1]", "[0,1]"];

    /// <summary>A recipe for a gray (<paramref name="grayscale"/>) or RGB image, otherwise the defaults.</summary>
    public ImagePreprocessing(int width, int height, bool grayscale)
        : this(width, height, grayscale ? ChannelOrder.Gray : ChannelOrder.Rgb)
    {
    }

    /// <summary>A recipe for an image of <paramref name="width"/> x <paramref name="height"/> in <paramref name="channels"/>, otherwise the defaults.</summary>
    public ImagePreprocessing(int width, int height, ChannelOrder channels)
    {
        Width = width;
        Height = height;
        Channels = channels;
    }

    /// <summary>
    /// As manifests hold it. One written before <see cref="Channels"/> existed says only <c>grayscale</c>: gray, or RGB
    /// when false (its <c>channels</c> then reads as gray, the first value). Newer ones say both, consistently.
    /// </summary>
    [JsonConstructor]
    internal ImagePreprocessing(int width, int height, ChannelOrder channels, bool grayscale)
        : this(width, height, channels == ChannelOrder.Gray && !grayscale ? ChannelOrder.Rgb : channels)
    {
    }

    public int Width { get; }

    public int Height { get; }

    public ChannelOrder Channels { get; }

    /// <summary>Whether the input is one gray channel; written beside <see cref="Channels"/> so agents that predate it read the recipe too.</summary>
    public bool Grayscale => Channels == ChannelOrder.Gray;

    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    public PixelType ElementType { get; init; } = PixelType.Float32;

    /// <summary>What each 0–255 pixel value is multiplied by first; null means 1/255 for float input, 1 for uint8.</summary>
    public float? Scale { get; init; }

    /// <summary>Subtracted per channel after scaling, in <see cref="Channels"/> order; empty means 0.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [];

    /// <summary>Divided by per channel last, in <see cref="Channels"/> order; empty means 1.</summary>
    public IReadOnlyList<float> Std { get; init; } = [];

    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;

    /// <summary>For <see cref="ResizeMode.Crop"/>: the shorter side's length before the centre crop; null means the larger of width and height.</summary>
    public int? ResizeTo { get; init; }

    /// <summary>For <see cref="ResizeMode.Letterbox"/>: the 0–255 value of the padding, in every channel.</summary>
    public byte PadValue { get; init; }

    /// <summary>The number of values one image feeds the model.</summary>
    [JsonIgnore]
    public int InputLength => Width * Height * ChannelCount;

    [JsonIgnore]
    public int ChannelCount => Channels == ChannelOrder.Gray ? 1 : 3;

    /// <summary>The scale in effect.</summary>
    [JsonIgnore]
    public float EffectiveScale => Scale ?? (ElementType == PixelType.UInt8 ? 1f : 1f / 255f);

    /// <summary>The input tensor's shape for one image, batch first: <c>[1, C, H, W]</c> or <c>[1, H, W, C]</c>.</summary>
    [JsonIgnore]
    public IReadOnlyList<long> SampleShape => Layout == TensorLayout.Nchw ? [1, ChannelCount, Height, Width] : [1, Height, Width, ChannelCount];

    /// <summary>
    /// ImageNet's recipe, which most published classifiers and backbones were trained with: RGB, the shorter side to
    /// 256 then a centre crop of 224 × 224, scaled to [0, 1], then ImageNet's per-channel mean and std, planar.
    /// </summary>
    public static ImagePreprocessing ImageNet(int side = 224) => new(side, side, ChannelOrder.Rgb)
    {
        Resize = ResizeMode.Crop,
        ResizeTo = (int)Math.Round(side * 256.0 / 224.0),
        Mean = [0.485f, 0.456f, 0.406f],
        Std = [0.229f, 0.224f, 0.225f],
    };

    /// <summary>A recipe by preset name: <c>imagenet</c>, <c>[-1,1]</c> (RGB scaled to −1…1), <c>[0,1]</c> (RGB scaled to 0…1).</summary>
    public static ImagePreprocessing Preset(string name, int? side = null) => name switch
    {
        "imagenet" => ImageNet(side ?? 224),
        "[-1,1]" => new ImagePreprocessing(side ?? 224, side ?? 224, ChannelOrder.Rgb) { Scale = 1f / 127.5f, Mean = [1f, 1f, 1f] },
        "[0,1]" => new ImagePreprocessing(side ?? 224, side ?? 224, ChannelOrder.Rgb),
        _ => throw new ArgumentException($"there is no image preset '{name}'; there are {string.Join(", ", Presets)}"),
    };

    /// <summary>
    /// Reads the short form users write: a preset name, or <c>WIDTHxHEIGHT</c> then optionally <c>:gray</c> (the
    /// default), <c>:rgb</c> or <c>:bgr</c>.
    /// </summary>
    public static ImagePreprocessing Parse(string recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (Presets.Contains(recipe.Trim(), StringComparer.Ordinal))
        {
            return Preset(recipe.Trim());
        }

        var parts = recipe.Split([':', 'x'], StringSplitOptions.TrimEntries);
        if (parts.Length is < 2 or > 3 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var width) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var height)
            || width is <= 0 or > MaxSide || height is <= 0 or > MaxSide || (parts.Length == 3 && !Enum.TryParse<ChannelOrder>(parts[2], ignoreCase: true, out _)))
        {
            throw new ArgumentException(
                $"an image recipe is a preset ({string.Join(", ", Presets)}) or WIDTHxHEIGHT[:gray|rgb|bgr] with sides of 1 to {MaxSide}, not '{recipe}'");
        }

        return new ImagePreprocessing(width, height, parts.Length < 3 ? ChannelOrder.Gray : Enum.Parse<ChannelOrder>(parts[2], ignoreCase: true));
    }

    /// <summary>Two recipes are equal when they make the same tensor from the same image: the lists by their values.</summary>
    public bool Equals(ImagePreprocessing? other) =>
        other is not null && (Width, Height, Channels, Layout, ElementType, EffectiveScale, Resize, ResizeTo, PadValue)
            == (other.Width, other.Height, other.Channels, other.Layout, other.ElementType, other.EffectiveScale, other.Resize, other.ResizeTo, other.PadValue)
        && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(Width, Height, Channels, Layout, ElementType, Resize, Mean.Count == 0 ? 0f : Mean[0], Std.Count == 0 ? 1f : Std[0]);

    /// <summary>Why this recipe cannot be used, or null: sizes, per-channel lists, a positive std, what uint8 input allows.</summary>
    public string? Problem()
    {
        if (Width is <= 0 or > MaxSide || Height is <= 0 or > MaxSide)
        {
            return $"an image's sides are 1 to {MaxSide} pixels, not {Width}x{Height}";
        }

        if (Mean.Count is not 0 && Mean.Count != ChannelCount)
        {
            return $"mean has {Mean.Count} values; a {Channels.ToString().ToLowerInvariant()} image needs {ChannelCount}";
        }

        if (Std.Count is not 0 && Std.Count != ChannelCount)
        {
            return $"std has {Std.Count} values; a {Channels.ToString().ToLowerInvariant()} image needs {ChannelCount}";
        }

        if (Std.Any(static s => !(s > 0) || float.IsInfinity(s)) || Mean.Any(static m => !float.IsFinite(m)) || Scale is { } scale && !(scale > 0 && float.IsFinite(scale)))
        {
            return "scale and std must be positive numbers, and mean finite";
        }

        if (ElementType == PixelType.UInt8 && (EffectiveScale != 1f || Mean.Any(static m => m != 0) || Std.Any(static s => s != 1)))
        {
            return "a uint8 input takes the pixels' own 0–255 values: scale, mean and std do not apply to it";
        }

        if (Resize == ResizeMode.Crop && ResizeTo is { } to && to < Math.Max(Width, Height))
        {
            return $"a centre crop of {Width}x{Height} needs the shorter side resized to at least {Math.Max(Width, Height)}, not {to}";
        }

        return null;
    }
}

using System.CommandLine;
using IotAi.Models;

namespace IotAi.Cli;

/// <summary>
/// The image recipe's settings as options (<c>--layout</c>, <c>--dtype</c>, <c>--scale</c>, <c>--mean</c>, <c>--std</c>,
/// <c>--resize</c>), for the commands that make image models; they read as <see cref="ImageRecipeSettings"/> says.
/// </summary>
internal sealed class ImageRecipeOptions
{
    private readonly Option<string?>[] _options =
    [
        new("--layout") { Description = "Image input layout: nchw (planar, the default) or nhwc (interleaved)" },
        new("--dtype") { Description = "Image input element type: float32 (the default) or uint8 (the pixels' own values)" },
        new("--scale") { Description = "What each 0-255 pixel value is multiplied by first (default 1/255 for float32)" },
        new("--mean") { Description = "Per-channel mean subtracted after scaling, comma-separated, e.g. 0.485,0.456,0.406" },
        new("--std") { Description = "Per-channel std divided by last, comma-separated, e.g. 0.229,0.224,0.225" },
        new("--resize") { Description = "stretch (the default), crop or crop:SHORTER_SIDE (centre crop), letterbox or letterbox:PAD_VALUE" },
    ];

    public void AddTo(Command command)
    {
        foreach (var option in _options)
        {
            command.Options.Add(option);
        }
    }

    public ImageRecipeSettings Settings(ParseResult parse)
    {
        var values = _options.Select(parse.GetValue).ToArray();
        return new ImageRecipeSettings(values[0], values[1], values[2], values[3], values[4], values[5]);
    }
}

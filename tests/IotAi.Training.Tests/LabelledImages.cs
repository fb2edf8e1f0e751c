using IotAi.Learning;
using IotAi.Protocol;
using IotAi.Synthetic;
using SkiaSharp;

namespace IotAi.Training.Tests;

/// <summary>Camera frames of known shapes: written as a folder of labelled images, or kept for learning as the gateway would keep them.</summary>
internal static class LabelledImages
{
    /// <summary>Writes <paramref name="perClass"/> frames of every shape as <c>{root}/{label}/{n}.{format}</c>; returns <paramref name="root"/>.</summary>
    public static string WriteFolder(string root, int perClass, int seed, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var camera = new SyntheticCamera(seed, format: format);
        foreach (var shape in Enum.GetValues<ImageShape>())
        {
            var folder = Directory.CreateDirectory(Path.Combine(root, shape.Label()));
            for (var i = 0; i < perClass; i++)
            {
                File.WriteAllBytes(Path.Combine(folder.FullName, $"{i}.{format.ToString().ToLowerInvariant()}"), camera.Next(shape).Encoded);
            }
        }

        return root;
    }

    /// <summary>
    /// Keeps <paramref name="count"/> labelled frames of a camera over a new, light belt: the same shapes, dark on light,
    /// which the shipped image model (light shapes on a dark belt) has never seen; kept as hard examples, or for the
    /// <paramref name="reasons"/> given.
    /// </summary>
    public static void KeepFromLightBelt(FileSampleStore store, string model, string deviceId, int count, int seed, DateTimeOffset start, CaptureReasons reasons = CaptureReasons.HardExample)
    {
        var camera = new SyntheticCamera(seed);
        var shapes = new Random(seed);
        for (var seq = 1; seq <= count; seq++)
        {
            var shape = (ImageShape)shapes.Next(ImageShapes.Labels.Count);
            var at = start.AddSeconds(seq);
            store.Save(new CapturedSample(CapturedSample.IdFor(deviceId, seq), deviceId, seq, model, "1", PayloadKind.Image, at,
                "empty", 0.5f, null, reasons, ContentTypes.Png, [new SampleLabel(shape.Label(), LabelSources.Operator, at)]), Inverted(camera, shape));
        }
    }

    /// <summary>A frame with every colour inverted, as PNG.</summary>
    private static byte[] Inverted(SyntheticCamera camera, ImageShape shape)
    {
        using var frame = camera.Render(shape);
        for (var y = 0; y < frame.Height; y++)
        {
            for (var x = 0; x < frame.Width; x++)
            {
                var c = frame.GetPixel(x, y);
                frame.SetPixel(x, y, new SKColor((byte)(255 - c.Red), (byte)(255 - c.Green), (byte)(255 - c.Blue), c.Alpha));
            }
        }

        using var image = SKImage.FromBitmap(frame);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}

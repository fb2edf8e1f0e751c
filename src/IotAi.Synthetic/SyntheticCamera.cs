using SkiaSharp;

namespace IotAi.Synthetic;

/// <summary>
/// A seeded camera over a conveyor: each frame is a noisy background with one shape (or none) of random
/// colour, size, position and rotation, encoded as JPEG or PNG like a real camera's output.
/// <see cref="Drift"/> changes the lighting, as a new lamp or a dirty lens would, so that a model trained on the
/// old frames is fooled while the shapes stay as plain to see as before.
/// </summary>
public sealed class SyntheticCamera(int seed, int size = 64, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
{
    // Grey levels the background gains and the shapes lose at full drift: enough to turn bright-on-dark around.
    private const int FullDriftShift = 120;

    private readonly Random _random = new(seed);
    private double _drift;

    /// <summary>
    /// From 0 (the lighting the default model learned: bright shapes on a dark belt) to 1 (a brightly lit belt
    /// with darker shapes): the background brightens and the shapes darken by up to 120 grey levels.
    /// </summary>
    public double Drift
    {
        get => _drift;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0.0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            _drift = value;
        }
    }

    public CameraFrame Next() => Next((ImageShape)_random.Next(ImageShapes.Labels.Count));

    public CameraFrame Next(ImageShape shape)
    {
        using var bitmap = Render(shape);
        using var data = bitmap.Encode(format, 90);
        var contentType = format == SKEncodedImageFormat.Png ? "image/png" : "image/jpeg";
        return new CameraFrame(data.ToArray(), contentType, shape);
    }

    /// <summary>Draws a frame without encoding it; training uses this to skip a needless JPEG round trip.</summary>
    public SKBitmap Render(ImageShape shape)
    {
        var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        var shift = (int)Math.Round(_drift * FullDriftShift);
        var background = Shade(_random.Next(40, 90), shift);
        canvas.Clear(new SKColor(background, background, background));
        DrawNoise(canvas, shift);

        if (shape != ImageShape.Empty)
        {
            using var paint = new SKPaint
            {
                IsAntialias = true,
                Color = new SKColor(Shade(_random.Next(150, 256), -shift), Shade(_random.Next(150, 256), -shift), Shade(_random.Next(150, 256), -shift)),
                Style = SKPaintStyle.Fill,
            };
            var extent = size * (0.22f + (0.14f * (float)_random.NextDouble()));
            var cx = (size / 2f) + (((float)_random.NextDouble() - 0.5f) * size * 0.25f);
            var cy = (size / 2f) + (((float)_random.NextDouble() - 0.5f) * size * 0.25f);
            canvas.Translate(cx, cy);
            canvas.RotateDegrees((float)(_random.NextDouble() * 40) - 20);
            DrawShape(canvas, shape, extent, paint);
        }

        return bitmap;
    }

    private static void DrawShape(SKCanvas canvas, ImageShape shape, float extent, SKPaint paint)
    {
        switch (shape)
        {
            case ImageShape.Circle:
                canvas.DrawCircle(0, 0, extent, paint);
                break;
            case ImageShape.Square:
                canvas.DrawRect(-extent * 0.9f, -extent * 0.9f, extent * 1.8f, extent * 1.8f, paint);
                break;
            case ImageShape.Triangle:
                using (var path = new SKPath())
                {
                    path.MoveTo(0, -extent * 1.1f);
                    path.LineTo(extent * 1.05f, extent * 0.8f);
                    path.LineTo(-extent * 1.05f, extent * 0.8f);
                    path.Close();
                    canvas.DrawPath(path, paint);
                }

                break;
        }
    }

    private static byte Shade(int level, int shift) => (byte)Math.Clamp(level + shift, 0, 255);

    private void DrawNoise(SKCanvas canvas, int shift)
    {
        using var paint = new SKPaint { IsAntialias = false };
        for (var i = 0; i < size * 2; i++)
        {
            var shade = Shade(_random.Next(20, 120), shift);
            paint.Color = new SKColor(shade, shade, shade, 90);
            canvas.DrawRect(_random.Next(size), _random.Next(size), 2, 2, paint);
        }
    }
}

namespace IotAi.Synthetic;

/// <summary>The classes the synthetic camera shows, and so the labels of the default image model.</summary>
public enum ImageShape
{
    Empty = 0,
    Circle = 1,
    Square = 2,
    Triangle = 3,
}

public static class ImageShapes
{
    /// <summary>Labels in class-index order, as the image model's outputs are.</summary>
    public static IReadOnlyList<string> Labels { get; } = ["empty", "circle", "square", "triangle"];

    public static string Label(this ImageShape shape) => Labels[(int)shape];
}

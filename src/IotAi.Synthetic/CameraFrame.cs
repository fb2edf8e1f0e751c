namespace IotAi.Synthetic;

/// <summary>An encoded camera image and the shape it really shows.</summary>
public sealed record CameraFrame(byte[] Encoded, string ContentType, ImageShape Shape)
{
    public string Label => Shape.Label();
}

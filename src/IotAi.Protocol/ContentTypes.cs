namespace IotAi.Protocol;

/// <summary>MQTT 5 content types the gateway understands and sends.</summary>
public static class ContentTypes
{
    public const string Json = "application/json";
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string OctetStream = "application/octet-stream";

    /// <summary>Recognises an image by its magic bytes, for clients that send no content type.</summary>
    public static string? SniffImage(ReadOnlySpan<byte> payload)
    {
        if (payload.Length >= 3 && payload[0] == 0xFF && payload[1] == 0xD8 && payload[2] == 0xFF)
        {
            return Jpeg;
        }

        ReadOnlySpan<byte> pngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        return payload.StartsWith(pngMagic) ? Png : null;
    }
}

namespace IotAi.Protocol;

/// <summary>
/// How large and how deep a payload may be before it is refused unread. The gateway sets them from
/// <c>Mqtt:Limits</c>; the edge agent and training use the defaults, so both ends refuse the same input.
/// </summary>
public sealed record PayloadLimits
{
    /// <summary>The limits a host gets unless it is configured otherwise.</summary>
    public static PayloadLimits Default { get; } = new();

    /// <summary>A telemetry or control payload longer than this is refused before it is parsed.</summary>
    public int MaxJsonBytes { get; init; } = 64 * 1024;

    /// <summary>JSON nested deeper than this is refused: a reading is two levels deep.</summary>
    public int MaxJsonDepth { get; init; } = 4;

    /// <summary>An encoded image longer than this is refused before its header is read.</summary>
    public int MaxImageBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>An image whose header declares more pixels than this is refused before a pixel is decoded (8 MP: 4K UHD fits).</summary>
    public long MaxImagePixels { get; init; } = 8L * 1024 * 1024;
}

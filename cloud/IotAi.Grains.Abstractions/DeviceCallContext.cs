namespace IotAi.Grains;

/// <summary>What a caller of <see cref="IDeviceGrain"/> may hand it in Orleans' request context.</summary>
public static class DeviceCallContext
{
    /// <summary>
    /// The key under which a caller hands a sampled trace's W3C context to the grain, so unsampled messages make no
    /// grain-call spans at all.
    /// </summary>
    public const string TraceParentKey = "traceparent";
}

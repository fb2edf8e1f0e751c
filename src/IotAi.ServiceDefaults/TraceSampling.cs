namespace IotAi.ServiceDefaults;

/// <summary>How a span asks the silo's sampler to keep it whatever the sampling ratio.</summary>
public static class TraceSampling
{
    /// <summary>A span started with this tag above 0 is always recorded (OpenTracing's convention, kept by <see cref="PrioritySampler"/>).</summary>
    public const string PriorityTag = "sampling.priority";

    /// <summary>The start tags of a span that is always kept.</summary>
    public static KeyValuePair<string, object?>[] Keep(params KeyValuePair<string, object?>[] tags) => [new(PriorityTag, 1), .. tags];
}

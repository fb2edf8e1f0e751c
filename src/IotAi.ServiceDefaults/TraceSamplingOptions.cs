using System.ComponentModel.DataAnnotations;

namespace IotAi.ServiceDefaults;

/// <summary>How much of the message traffic is traced. Bound from <c>Telemetry</c>.</summary>
public sealed class TraceSamplingOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The share of traces recorded where they start (the device, or the ingress when the device sent none).</summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = 0.01;

    /// <summary>
    /// Whether a trace starting here is recorded: decided before any span is made, because OpenTelemetry makes an
    /// activity even for a trace its sampler drops (to carry the trace's context on), which costs every message.
    /// </summary>
    public bool StartsTrace() => TraceSampleRatio >= 1 || (TraceSampleRatio > 0 && Random.Shared.NextDouble() < TraceSampleRatio);
}

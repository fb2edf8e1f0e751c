namespace IotAi.Protocol;

/// <summary>Names of the MQTT 5 user properties the protocol reads.</summary>
public static class UserProperties
{
    /// <summary>The per-device sequence number of an image (telemetry carries it in its JSON).</summary>
    public const string Seq = "seq";

    /// <summary>When the device took the sample, ISO 8601.</summary>
    public const string Timestamp = "ts";

    /// <summary><c>false</c> when the device's own answer stands and the cloud need not infer (see <see cref="Telemetry.Escalate"/>).</summary>
    public const string Escalate = "escalate";

    /// <summary>The device's own answer, as <see cref="EdgeAnswer"/> JSON.</summary>
    public const string Edge = "edge";

    /// <summary>The W3C trace context of the span that sent the message, so a trace follows it across MQTT.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C trace state that goes with <see cref="TraceParent"/>, when there is one.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The sample's ground truth, when the device knows it (see <see cref="Telemetry.Label"/>).</summary>
    public const string Label = "label";
}

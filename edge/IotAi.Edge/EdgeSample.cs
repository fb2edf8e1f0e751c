using IotAi.Edge.Queue;
using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>
/// One thing to send, before it has a sequence number: the publisher assigns that when it first sends it.
/// A telemetry payload is <see cref="Telemetry"/> JSON; an image payload is the encoded image itself.
/// </summary>
/// <param name="Kind">Which uplink topic it goes to.</param>
/// <param name="Payload">The bytes to send.</param>
/// <param name="ContentType">The MQTT 5 content type, one of <see cref="ContentTypes"/>.</param>
/// <param name="Timestamp">When the sample was taken.</param>
/// <param name="Label">The ground truth, when the source knows it (synthetic sources do), to score results against.</param>
public sealed record EdgeSample(
    PayloadKind Kind,
    ReadOnlyMemory<byte> Payload,
    string ContentType,
    DateTimeOffset Timestamp,
    string? Label = null)
{
    /// <summary>How much it is worth keeping when the queue is full; set once the local model has answered.</summary>
    public SamplePriority Priority { get; init; }

    /// <summary>What the device's own model answered; null when it has no model for this kind.</summary>
    public EdgeAnswer? Local { get; init; }

    /// <summary>Whether the cloud's model should answer too (see <see cref="JointInference"/>).</summary>
    public bool Escalate { get; init; } = true;
}

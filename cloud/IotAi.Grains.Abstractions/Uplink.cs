using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>One device message as the ingress hands it to the device's grain.</summary>
/// <param name="Kind">Which model family it goes to.</param>
/// <param name="Payload">The MQTT payload, untouched.</param>
/// <param name="Seq">The sequence number carried outside the payload (image user property or topic), if any.</param>
/// <param name="Topic">The topic it came on, echoed in error replies.</param>
/// <param name="Escalate">False when the device's own answer stands (image user property); telemetry says so in its JSON.</param>
/// <param name="Edge">The device's own answer to an image, as the JSON of its <c>edge</c> user property; telemetry carries it in its payload.</param>
/// <param name="Truth">An image's ground truth from its <c>label</c> user property; telemetry carries it in its payload.</param>
[GenerateSerializer, Immutable, Alias("IotAi.Uplink")]
public sealed record Uplink(PayloadKind Kind, byte[] Payload, long? Seq, string Topic, bool Escalate = true, string? Edge = null, string? Truth = null);

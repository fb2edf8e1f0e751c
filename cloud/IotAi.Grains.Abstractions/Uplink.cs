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
/// <param name="Tensor">For a tensor uplink: the model it names and what its user properties say.</param>
[GenerateSerializer, Immutable, Alias("IotAi.Uplink")]
public sealed record Uplink(PayloadKind Kind, byte[] Payload, long? Seq, string Topic, bool Escalate = true, string? Edge = null, string? Truth = null, TensorUplink? Tensor = null);

/// <summary>What a tensor uplink's topic and MQTT 5 user properties say beside its payload.</summary>
/// <param name="Model">The model the topic names; null for the one <c>Models:Routes</c> gives tensors.</param>
/// <param name="Headers">The binary form's <c>tensor</c> headers, in order; empty when the payload is OIP JSON.</param>
/// <param name="Outputs">The outputs the <c>output</c> user properties ask for; empty for all.</param>
/// <param name="SequenceStart">The <c>sequence-start</c> user property: start the device's state afresh.</param>
/// <param name="SequenceEnd">The <c>sequence-end</c> user property: forget the device's state after this call.</param>
[GenerateSerializer, Immutable, Alias("IotAi.TensorUplink")]
public sealed record TensorUplink(string? Model, IReadOnlyList<string> Headers, IReadOnlyList<string> Outputs, bool SequenceStart, bool SequenceEnd);

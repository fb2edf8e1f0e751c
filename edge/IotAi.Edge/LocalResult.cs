using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>The device's own answer to one sample.</summary>
/// <param name="Kind">Telemetry or image.</param>
/// <param name="SampleTime">When the sample was taken: what an on-site consumer matches it by.</param>
/// <param name="Answer">The local model's answer.</param>
/// <param name="Escalated">Whether the cloud's model answers it too; if not, this answer is the one used.</param>
/// <param name="Truth">The sample's ground truth, when its source knew it.</param>
public sealed record LocalResult(PayloadKind Kind, DateTimeOffset SampleTime, EdgeAnswer Answer, bool Escalated, string? Truth);

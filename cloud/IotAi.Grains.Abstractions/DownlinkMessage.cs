namespace IotAi.Grains;

/// <summary>Where on <c>devices/{id}/down/</c> a downlink message goes.</summary>
public enum DownlinkKind
{
    Result,
    Error,
    Desired,
    ModelOffer,
    KeySet,
}

/// <summary>
/// A message for a device; <see cref="Payload"/> is UTF-8 JSON. <see cref="TraceParent"/>, when set, is the W3C context
/// of the span that sent it, which the message carries to the device in its <c>traceparent</c> user property.
/// </summary>
[GenerateSerializer, Immutable, Alias("IotAi.DownlinkMessage")]
public sealed record DownlinkMessage(DownlinkKind Kind, byte[] Payload, string? TraceParent = null);

/// <summary>The grain's answer to an uplink: the outcome, and the reply to publish to the device, if any.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.UplinkReply")]
public sealed record UplinkReply(UplinkOutcome Outcome, DownlinkMessage? Reply);

using System.Text.Json.Serialization;

namespace IotAi.Protocol;

/// <summary>Why an uplink was refused, on <c>devices/{id}/down/error</c>.</summary>
/// <param name="Seq">The sequence number of the refused uplink, when it could be read.</param>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">A sentence for a person.</param>
/// <param name="Topic">The topic the refused uplink came on.</param>
public sealed record ErrorReply(
    [property: JsonPropertyName("seq")] long? Seq,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("topic")] string Topic);

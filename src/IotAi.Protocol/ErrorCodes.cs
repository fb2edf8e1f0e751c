namespace IotAi.Protocol;

/// <summary>The <c>code</c> field of an error reply on <c>devices/{id}/down/error</c>.</summary>
public static class ErrorCodes
{
    /// <summary>The payload could not be read: bad JSON, a missing or non-numeric value, an undecodable image.</summary>
    public const string PayloadInvalid = "payload_invalid";

    /// <summary>The topic names a payload kind the gateway does not know.</summary>
    public const string UnknownKind = "unknown_kind";

    /// <summary>No model is loaded for this payload kind.</summary>
    public const string NoModel = "no_model";

    /// <summary>The model failed on a well-formed input; the gateway logs the cause.</summary>
    public const string InferenceFailed = "inference_failed";

    /// <summary>A message for the device was larger than the Maximum Packet Size it announced, so it was not sent.</summary>
    public const string MessageTooLarge = "message_too_large";

    /// <summary>
    /// The model's queue was full, so the reading was not run (its PUBACK says Quota exceeded); send it again later,
    /// under the same sequence number.
    /// </summary>
    public const string Busy = "busy";

    /// <summary>The gateway is overloaded or shutting down; send again later.</summary>
    public const string Unavailable = "unavailable";
}

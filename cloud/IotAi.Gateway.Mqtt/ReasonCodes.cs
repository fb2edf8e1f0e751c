using IotAi.Grains;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt;

/// <summary>How refusals and outcomes map onto MQTT 5 reason codes; docs/protocol.md lists the same table.</summary>
internal static class ReasonCodes
{
    public static MqttPubAckReasonCode ForOutcome(UplinkOutcome outcome) => outcome switch
    {
        UplinkOutcome.Accepted or UplinkOutcome.Duplicate => MqttPubAckReasonCode.Success,
        UplinkOutcome.PayloadInvalid => MqttPubAckReasonCode.PayloadFormatInvalid,
        UplinkOutcome.NoModel => MqttPubAckReasonCode.ImplementationSpecificError,
        // A limit the gateway set was reached (the model's queue): the one PUBACK code a device may take as "later".
        UplinkOutcome.Busy => MqttPubAckReasonCode.QuotaExceeded,
        _ => MqttPubAckReasonCode.UnspecifiedError,
    };

    /// <summary>
    /// A reading the gateway could not handle in time (the grain call timed out or failed: a surge, a silo going) was
    /// not wrong, and may have been kept or not: the device sends it again under its number, which counts it once. So it
    /// gets the code a device takes as "later", as a full queue does, and not a final refusal.
    /// </summary>
    public const MqttPubAckReasonCode Unavailable = MqttPubAckReasonCode.QuotaExceeded;

    public static MqttConnectReasonCode ForConnect(IngressRefusalKind kind) => kind switch
    {
        IngressRefusalKind.BadCredentials => MqttConnectReasonCode.BadUserNameOrPassword,
        IngressRefusalKind.ClientIdInvalid => MqttConnectReasonCode.ClientIdentifierNotValid,
        IngressRefusalKind.QuotaExceeded => MqttConnectReasonCode.QuotaExceeded,
        IngressRefusalKind.Banned => MqttConnectReasonCode.Banned,
        _ => MqttConnectReasonCode.NotAuthorized,
    };

    public static MqttPubAckReasonCode ForPublish(IngressRefusalKind kind) => kind == IngressRefusalKind.QuotaExceeded
        ? MqttPubAckReasonCode.QuotaExceeded
        : MqttPubAckReasonCode.NotAuthorized;
}

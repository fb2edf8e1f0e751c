using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>A limit said no: the MQTT 5 reason code, the reason string the client reads, and the metric's reason tag.</summary>
public sealed record LimitRefusal<TCode>(TCode Code, string Reason, string Metric)
    where TCode : struct, Enum;

/// <summary>Every refusal a limit makes, in one place, so the codes here and in docs/protocol.md stay one table.</summary>
internal static class LimitRefusals
{
    public static LimitRefusal<MqttConnectReasonCode> ConnectRate(int perSecond) =>
        new(MqttConnectReasonCode.ConnectionRateExceeded, $"this address connects more than {perSecond} times a second; wait and retry", "connect_rate");

    public static LimitRefusal<MqttConnectReasonCode> ConnectionsPerAddress(int max) =>
        new(MqttConnectReasonCode.QuotaExceeded, $"this address already holds {max} connections", "connections_per_address");

    public static LimitRefusal<MqttPubAckReasonCode> MessageRate(int perSecond) =>
        new(MqttPubAckReasonCode.QuotaExceeded, $"more than {perSecond} messages a second; send more slowly", "message_rate");

    public static LimitRefusal<MqttPubAckReasonCode> ByteRate(int perSecond) =>
        new(MqttPubAckReasonCode.QuotaExceeded, $"more than {perSecond} payload bytes a second; send more slowly", "byte_rate");

    public static LimitRefusal<MqttPubAckReasonCode> PayloadTooLarge(string what, long length, int max) =>
        new(MqttPubAckReasonCode.PayloadFormatInvalid, $"the {what} is {length} bytes; at most {max} are accepted", "payload_too_large");
}

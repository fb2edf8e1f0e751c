using System.Diagnostics;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Packets;

namespace IotAi.Edge;

/// <summary>
/// The edge agent's spans: each uplink's publish (a producer span whose W3C context travels in the message's
/// <c>traceparent</c> user property) and the receipt of the cloud's answer (a consumer span under the cloud's
/// result publish), so one trace runs from the device through the cloud and back.
/// </summary>
public static class EdgeTelemetry
{
    public const string SourceName = "IotAi.Edge";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span context a message carries in its <c>traceparent</c> (and <c>tracestate</c>) user properties, if any.</summary>
    internal static ActivityContext ContextOf(MqttApplicationMessage message)
    {
        var parent = message.UserProperties?.FirstOrDefault(static p => p.Name == UserProperties.TraceParent)?.ReadValueAsString();
        var state = message.UserProperties?.FirstOrDefault(static p => p.Name == UserProperties.TraceState)?.ReadValueAsString();
        return ActivityContext.TryParse(parent, state, out var context) ? context : default;
    }
}

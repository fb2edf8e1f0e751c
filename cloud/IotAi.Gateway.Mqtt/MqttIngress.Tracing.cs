using System.Diagnostics;
using IotAi.Grains;
using IotAi.Protocol;
using IotAi.ServiceDefaults;
using MQTTnet;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// Tracing across MQTT: an uplink's span continues the trace its device started (W3C <c>traceparent</c> in the
/// message's user properties) or begins one; its answer is published under a span of its own whose context
/// travels back to the device the same way. Nothing is made when no listener samples these sources.
/// </summary>
public sealed partial class MqttIngress
{
    /// <summary>
    /// The uplink's span, or null for a trace that is not recorded: one its device left unsampled, or one starting here
    /// that the sampling ratio leaves out. The decision comes before any span is made: OpenTelemetry would otherwise make
    /// an activity for every message its sampler drops, and tracing would cost the untraced traffic.
    /// </summary>
    private Activity? StartIngress(MqttApplicationMessage message, string deviceId, PayloadKind kind, long? seq)
    {
        var parent = UserProperty(message, UserProperties.TraceParent);
        var continues = ActivityContext.TryParse(parent, UserProperty(message, UserProperties.TraceState), out var context);
        if (continues ? (context.TraceFlags & ActivityTraceFlags.Recorded) == 0 : !telemetry.StartsTrace())
        {
            return null;
        }

        // A trace starting here was chosen above, so the sampler is told to keep it rather than decide again.
        var activity = GatewayTelemetry.Source.StartActivity(ActivityKind.Consumer, context, continues ? null : TraceSampling.Keep(), name: $"ingress {kind}");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("iotai.device.id", deviceId);
            activity.SetTag("iotai.seq", seq);
            activity.SetTag("messaging.system", "mqtt");
            activity.SetTag("messaging.destination.name", message.Topic);
        }

        return activity;
    }

    /// <summary>Publishes a grain's answer to its device, under a producer span whose context the message carries.</summary>
    private async Task PublishReplyAsync(DeviceSession device, DownlinkMessage reply)
    {
        // Only under the uplink's recorded span: an answer to an untraced or unsampled message starts no trace of its own.
        using var activity = Activity.Current is { Recorded: true } && GatewayTelemetry.Source.HasListeners()
            ? GatewayTelemetry.Source.StartActivity($"publish {reply.Kind}", ActivityKind.Producer)
            : null;
        var topic = reply.Kind == DownlinkKind.Result ? device.ResultTopic : DownlinkTopics.For(device.DeviceId, reply.Kind);
        activity?.SetTag("messaging.destination.name", topic);
        await DeliverAsync(device, Message(topic, reply.Payload, ContentTypes.Json, activity?.Id), DownlinkTopics.NameOf(reply.Kind));
    }
}

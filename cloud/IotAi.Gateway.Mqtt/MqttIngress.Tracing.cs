using System.Diagnostics;
using IotAi.Grains;
using IotAi.Protocol;
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
    private static Activity? StartIngress(MqttApplicationMessage message, string deviceId, PayloadKind kind, long? seq)
    {
        var parent = UserProperty(message, UserProperties.TraceParent);
        var state = UserProperty(message, UserProperties.TraceState);
        var activity = GatewayTelemetry.Source.StartActivity($"ingress {kind}", ActivityKind.Consumer, ActivityContext.TryParse(parent, state, out var context) ? context : default);
        // A trace the sampler left out still gets an activity (it carries the trace's context on), but nothing to record.
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
        await DeliverAsync(device, Message(topic, reply.Payload, ContentTypes.Json, activity?.Id), reply.Kind.ToString());
    }
}

using System.Buffers;
using System.Diagnostics;
using IotAi.Grains;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>The ingress's part in model transfers: serving the chunks a device asks for.</summary>
public sealed partial class MqttIngress
{
    private async Task ServeChunksAsync(InterceptingPublishEventArgs e, string deviceId)
    {
        var topic = e.ApplicationMessage.Topic;
        // A fetch is traced only as part of a model update the device traces (under the offer's span): alone, it starts none.
        using var activity = GatewayTelemetry.Source.HasListeners()
            && ActivityContext.TryParse(UserProperty(e.ApplicationMessage, UserProperties.TraceParent), UserProperty(e.ApplicationMessage, UserProperties.TraceState), out var parent)
            ? GatewayTelemetry.Source.StartActivity("serve model chunks", ActivityKind.Server, parent)
            : null;
        activity?.SetTag("iotai.device.id", deviceId);
        var session = await SessionOfAsync(deviceId);
        var (served, bytes, blob) = (0, 0L, (string?)null);
        var refusal = await chunks.ServeAsync(deviceId, e.ApplicationMessage.Payload.ToArray(), (chunkTopic, chunk) =>
        {
            if (served == 0 && DeviceTopics.TryParseModelChunk(chunkTopic, DeviceTopics.ModelChunkPrefix(deviceId), out var sha256, out _))
            {
                blob = sha256;
            }

            (served, bytes) = (served + 1, bytes + chunk.Length);
            return session is null ? PublishAsync(chunkTopic, chunk, ContentTypes.OctetStream, "model_chunk") : EnqueueChunk(session, chunkTopic, chunk);
        });
        if (blob is not null)
        {
            telemetry.ChunksSent(served, bytes, chunks.ModelOf(blob));
        }

        // What this device was sent of which file: the figures a head-only update is judged by.
        activity?.SetTag("iotai.ota.blob", blob);
        activity?.SetTag("iotai.ota.chunks", served);
        activity?.SetTag("iotai.ota.bytes", bytes);
        if (refusal is not null)
        {
            Refuse(e, MqttPubAckReasonCode.PayloadFormatInvalid, refusal, "model_fetch");
            await PublishAsync(deviceId, Replies.Error(null, ErrorCodes.PayloadInvalid, refusal, topic));
        }
    }

    /// <summary>
    /// The session of the device with this client id, or null. Chunks go straight into it: routing them like any
    /// publish would match each against every session's subscriptions, which with thousands of devices fetching
    /// costs far more than sending the chunk.
    /// </summary>
    private async Task<MqttSessionStatus?> SessionOfAsync(string deviceId)
    {
        try
        {
            return await _server!.GetSessionAsync(deviceId);
        }
        catch (InvalidOperationException)
        {
            // A client under another id asked (a tool, not the device): its chunks are routed as usual.
            return null;
        }
    }

    /// <remarks>When the device's queue is full the chunk is dropped; the device asks again for what does not arrive.</remarks>
    private Task EnqueueChunk(MqttSessionStatus session, string topic, byte[] chunk)
    {
        Enqueue(session, Message(topic, chunk, ContentTypes.OctetStream), "model_chunk");
        return Task.CompletedTask;
    }
}

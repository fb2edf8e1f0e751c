using System.Diagnostics;
using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IotAi.Edge.Models;
using IotAi.Edge.Twin;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace IotAi.Edge;

/// <summary>
/// Reads what arrives under <c>devices/{id}/down/</c> and hands it to the agent's events and the result sink.
/// Nothing a downlink contains may break the MQTT client, so every failure here is logged and dropped.
/// </summary>
public sealed partial class DownlinkDispatcher(
    IOptions<EdgeAgentOptions> options,
    EdgeEvents events,
    InFlightTracker inFlight,
    IResultSink sink,
    ModelUpdater updater,
    LiveSettings live,
    TrustedKeyStore keys,
    EdgeTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<DownlinkDispatcher> logger)
{
    private readonly string _deviceId = options.Value.DeviceId;
    private readonly string _offerTopic = DeviceTopics.ModelOffer(options.Value.DeviceId);
    private readonly string _chunkPrefix = DeviceTopics.ModelChunkPrefix(options.Value.DeviceId);
    private readonly string _resultTopic = DeviceTopics.Result(options.Value.DeviceId);
    private readonly string _errorTopic = DeviceTopics.Error(options.Value.DeviceId);
    private readonly string _desiredTopic = DeviceTopics.Desired(options.Value.DeviceId);
    private readonly string _keySetTopic = DeviceTopics.KeySet(options.Value.DeviceId);

    public async Task HandleAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload;
        try
        {
            if (topic == _resultTopic && Read(payload, ProtocolJson.Wire.InferenceResult, topic) is { } result)
            {
                using var activity = EdgeTelemetry.Source.StartActivity("receive result", ActivityKind.Consumer, EdgeTelemetry.ContextOf(e.ApplicationMessage));
                activity?.SetTag("iotai.device.id", _deviceId);
                activity?.SetTag("iotai.seq", result.Seq);
                await OnResultAsync(result);
            }
            else if (topic == _errorTopic && Read(payload, ProtocolJson.Wire.ErrorReply, topic) is { } error)
            {
                if (error.Seq is long seq)
                {
                    inFlight.TryTake(seq, out _, out _);
                }

                LogErrorReply(logger, _deviceId, error.Seq, error.Code, error.Message);
                events.OnErrorReceived(this, new ErrorReceivedEventArgs(error));
            }
            else if (topic == _offerTopic && Read(payload, ProtocolJson.Wire.ModelOffer, topic) is { } offer)
            {
                updater.Offer(offer, EdgeTelemetry.ContextOf(e.ApplicationMessage));
            }
            else if (DeviceTopics.TryParseModelChunk(topic, _chunkPrefix, out var sha256, out var index))
            {
                updater.Chunk(sha256, index, payload.ToArray());
            }
            else if (topic == _keySetTopic && Read(payload, ProtocolJson.Wire.SignedKeySet, topic) is { } keySet)
            {
                // Taken here rather than queued, so an offer that follows it is checked against the new keys.
                keys.Offer(keySet);
            }
            else if (topic == _desiredTopic && Read(payload, ProtocolJson.Wire.DesiredProperties, topic) is { } desired)
            {
                LogDesired(logger, _deviceId, desired.Version);
                live.Apply(desired);
                events.OnDesiredPropertiesReceived(this, new DesiredPropertiesReceivedEventArgs(desired));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogHandlerFailed(logger, _deviceId, topic, ex);
        }
    }

    private async Task OnResultAsync(InferenceResult result)
    {
        TimeSpan? latency = null;
        string? truth = null;
        if (result.Seq is long seq && inFlight.TryTake(seq, out var sentAt, out truth))
        {
            latency = timeProvider.GetElapsedTime(sentAt);
            telemetry.Answered(latency.Value);
        }

        var edgeResult = new EdgeResult(result, latency, truth);
        events.OnResultReceived(this, edgeResult);
        await sink.WriteAsync(edgeResult, CancellationToken.None);
    }

    private T? Read<T>(ReadOnlySequence<byte> payload, JsonTypeInfo<T> typeInfo, string topic)
        where T : class
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            return JsonSerializer.Deserialize(ref reader, typeInfo);
        }
        catch (JsonException ex)
        {
            LogMalformed(logger, _deviceId, topic, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} got a malformed downlink on {Topic}: {Error}")]
    private static partial void LogMalformed(ILogger logger, string deviceId, string topic, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cloud refused uplink {Seq} of device {DeviceId}: {Code} {Message}")]
    private static partial void LogErrorReply(ILogger logger, string deviceId, long? seq, string code, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} got desired properties version {Version}")]
    private static partial void LogDesired(ILogger logger, string deviceId, long version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId} failed to handle a downlink on {Topic}")]
    private static partial void LogHandlerFailed(ILogger logger, string deviceId, string topic, Exception exception);
}

using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace IotAi.Edge;

/// <summary>
/// The single loop that drains the outbox: numbers each sample, publishes it at QoS 1 and acknowledges it.
/// A sample keeps its number across resends, so a resend the broker already had is dropped by the cloud.
/// </summary>
internal sealed partial class UplinkPublisher(
    string deviceId,
    IOutbox outbox,
    SequenceCounter counter,
    InFlightTracker inFlight,
    EdgeConnection connection,
    TimeProvider timeProvider,
    ILogger logger)
{
    private readonly string _telemetryTopic = DeviceTopics.Telemetry(deviceId);
    private readonly string _imageTopic = DeviceTopics.Image(deviceId);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var sample = await outbox.ReadAsync(cancellationToken);
            var seq = await counter.NextAsync(cancellationToken);
            var message = Build(sample, seq);
            if (message is not null)
            {
                await SendAsync(message, seq, sample.Label, cancellationToken);
            }

            await outbox.AcknowledgeAsync(sample, cancellationToken);
        }
    }

    private async Task SendAsync(MqttApplicationMessage message, long seq, string? truth, CancellationToken cancellationToken)
    {
        while (true)
        {
            await connection.WaitConnectedAsync(cancellationToken);

            // Tracked before publishing: the gateway sends the result before its PUBACK.
            inFlight.Track(seq, timeProvider.GetTimestamp(), truth);
            try
            {
                var result = await connection.PublishAsync(message, cancellationToken);
                if (!result.IsSuccess)
                {
                    // A refusal is final; the cloud also explains it on down/error.
                    LogRefused(logger, deviceId, seq, result.ReasonCode.ToString(), result.ReasonString);
                }

                return;
            }
            catch (MqttCommunicationException ex)
            {
                // MQTTnet reports a publish cancelled by shutdown as a timeout; say what it really was.
                cancellationToken.ThrowIfCancellationRequested();
                LogResending(logger, deviceId, seq, ex.Message);
            }
        }
    }

    private MqttApplicationMessage? Build(EdgeSample sample, long seq)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType(sample.ContentType);
        if (sample.Kind == PayloadKind.Image)
        {
            return builder
                .WithTopic(_imageTopic)
                .WithPayload(new ReadOnlySequence<byte>(sample.Payload))
                .WithUserProperty(UserProperties.Seq, Utf8(seq.ToString(CultureInfo.InvariantCulture)))
                .WithUserProperty(UserProperties.Timestamp, Utf8(sample.Timestamp.ToString("O", CultureInfo.InvariantCulture)))
                .Build();
        }

        // Telemetry carries its number inside the JSON; whatever number a source put there is replaced.
        Telemetry? telemetry;
        try
        {
            telemetry = JsonSerializer.Deserialize(sample.Payload.Span, ProtocolJson.Wire.Telemetry);
        }
        catch (JsonException)
        {
            telemetry = null;
        }

        if (telemetry?.Values is null)
        {
            LogUnreadableSample(logger, deviceId, seq);
            return null;
        }

        var payload = JsonSerializer.SerializeToUtf8Bytes(telemetry with { Seq = seq }, ProtocolJson.Wire.Telemetry);
        return builder.WithTopic(_telemetryTopic).WithPayload(payload).Build();
    }

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused uplink {Seq} of device {DeviceId}: {ReasonCode} {ReasonString}")]
    private static partial void LogRefused(ILogger logger, string deviceId, long seq, string reasonCode, string? reasonString);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink {Seq} of device {DeviceId} will be resent once connected: {Reason}")]
    private static partial void LogResending(ILogger logger, string deviceId, long seq, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipped uplink {Seq} of device {DeviceId}: its source produced telemetry that is not valid JSON with 'values'")]
    private static partial void LogUnreadableSample(ILogger logger, string deviceId, long seq);
}

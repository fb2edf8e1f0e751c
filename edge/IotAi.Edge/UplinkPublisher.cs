using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IotAi.Edge.Queue;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Edge;

/// <summary>
/// Drains the outbox over MQTT at QoS 1, keeping up to <c>maxInFlight</c> publishes unacknowledged at once, so
/// a backlog drains at the link's speed rather than one round trip per sample. Publishes leave in the order
/// they were taken, so sequence numbers reach the cloud in order. A sample keeps its number across resends;
/// after a failed send the loop lets every outstanding publish finish before taking more, so the failed ones
/// go again first, in order, and the cloud drops any repeat it already had.
/// </summary>
public sealed partial class UplinkPublisher(
    IOptions<EdgeAgentOptions> options,
    IOutbox outbox,
    InFlightTracker inFlight,
    EdgeConnection connection,
    EdgeTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<UplinkPublisher> logger) : IDisposable
{
    private readonly string _deviceId = options.Value.DeviceId;
    private readonly int _maxInFlight = options.Value.MaxInFlight;
    private readonly bool _sendTruth = options.Value.SendTruth;
    private readonly string _telemetryTopic = DeviceTopics.Telemetry(options.Value.DeviceId);
    private readonly string _imageTopic = DeviceTopics.Image(options.Value.DeviceId);
    private readonly SemaphoreSlim _slots = new(options.Value.MaxInFlight, options.Value.MaxInFlight);
    private volatile bool _resend;

    // How long to wait before sending again after the gateway said Quota exceeded: a second, doubling with each round
    // refused in a row, at most 30; an accepted publish starts it afresh.
    private volatile bool _busy;
    private long _pauseTicks;
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await connection.WaitConnectedAsync(cancellationToken);
            if (_resend)
            {
                await WhenAllSentAsync(cancellationToken);
                _resend = false;
                if (_busy)
                {
                    _busy = false;
                    var pause = Math.Clamp(2 * Interlocked.Read(ref _pauseTicks), FirstPause.Ticks, LongestPause.Ticks);
                    Interlocked.Exchange(ref _pauseTicks, pause);
                    // A busy gateway is not sent the same readings again at once, nor by every device on the same tick.
                    await Task.Delay(TimeSpan.FromTicks((long)(pause * (0.8 + (0.4 * Random.Shared.NextDouble())))), timeProvider, cancellationToken);
                }
            }

            await _slots.WaitAsync(cancellationToken);
            var granted = 1;
            while (granted < _maxInFlight && _slots.Wait(0, cancellationToken))
            {
                granted++;
            }

            IReadOnlyList<OutboundMessage> batch;
            try
            {
                batch = await outbox.TakeAsync(granted, cancellationToken);
            }
            catch
            {
                _slots.Release(granted);
                throw;
            }

            if (batch.Count < granted)
            {
                _slots.Release(granted - batch.Count);
            }

            foreach (var message in batch)
            {
                _ = SendAsync(message, cancellationToken);
            }
        }
    }

    /// <summary>Waits for the publishes still outstanding (at shutdown, cancelled ones end quickly).</summary>
    public Task StopAsync() => WhenAllSentAsync(CancellationToken.None);

    public void Dispose() => _slots.Dispose();

    /// <summary>Holding every slot means no publish is outstanding.</summary>
    private async Task WhenAllSentAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _maxInFlight; i++)
        {
            await _slots.WaitAsync(cancellationToken);
        }

        _slots.Release(_maxInFlight);
    }

    private async Task SendAsync(OutboundMessage outbound, CancellationToken cancellationToken)
    {
        var kind = outbound.Sample.Kind;
        try
        {
            using var activity = EdgeTelemetry.Source.StartActivity(kind == PayloadKind.Image ? "publish image" : "publish telemetry", ActivityKind.Producer);
            activity?.SetTag("iotai.device.id", _deviceId);
            activity?.SetTag("iotai.seq", outbound.Seq);
            var message = Build(outbound.Sample, outbound.Seq, activity);
            if (message is null)
            {
                outbox.Acknowledge(outbound);
                telemetry.Uplink(kind, UplinkOutcome.Skipped);
                return;
            }

            // Tracked before publishing: the gateway sends the result before its PUBACK.
            inFlight.Track(outbound.Seq, timeProvider.GetTimestamp(), outbound.Sample.Label);
            var result = await connection.PublishAsync(message, cancellationToken);
            if (result.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded)
            {
                // The gateway is busy, could not answer in time, or this device is over its rate: nothing was wrong
                // with the reading, which goes again under its number after a pause (the cloud counts it once).
                LogBusy(logger, _deviceId, outbound.Seq, result.ReasonString);
                outbox.Requeue(outbound);
                (_busy, _resend) = (true, true);
                telemetry.Uplink(kind, UplinkOutcome.Requeued);
                return;
            }

            Interlocked.Exchange(ref _pauseTicks, 0);
            if (!result.IsSuccess)
            {
                // A refusal is final; the cloud also explains it on down/error.
                LogRefused(logger, _deviceId, outbound.Seq, result.ReasonCode.ToString(), result.ReasonString);
            }

            outbox.Acknowledge(outbound);
            telemetry.Uplink(kind, result.IsSuccess ? UplinkOutcome.Acknowledged : UplinkOutcome.Refused);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Sent or not, the broker did not say: it goes again, under the same number, once connected.
            outbox.Requeue(outbound);
            _resend = true;
            telemetry.Uplink(kind, UplinkOutcome.Requeued);
            if (!cancellationToken.IsCancellationRequested)
            {
                LogResending(logger, _deviceId, outbound.Seq, ex.Message);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private MqttApplicationMessage? Build(EdgeSample sample, long seq, Activity? activity)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType(sample.ContentType);
        if (activity?.Id is { } traceParent)
        {
            builder.WithUserProperty(UserProperties.TraceParent, Utf8(traceParent));
        }

        if (sample.Kind == PayloadKind.Image)
        {
            builder
                .WithTopic(_imageTopic)
                .WithPayload(new ReadOnlySequence<byte>(sample.Payload))
                .WithUserProperty(UserProperties.Seq, Utf8(seq.ToString(CultureInfo.InvariantCulture)))
                .WithUserProperty(UserProperties.Timestamp, Utf8(sample.Timestamp.ToString("O", CultureInfo.InvariantCulture)));
            if (sample.Local is { } answer)
            {
                builder.WithUserProperty(UserProperties.Edge, JsonSerializer.SerializeToUtf8Bytes(answer, ProtocolJson.Wire.EdgeAnswer));
            }

            if (!sample.Escalate)
            {
                builder.WithUserProperty(UserProperties.Escalate, "false"u8.ToArray());
            }

            if (_sendTruth && sample.Label is { } truth)
            {
                builder.WithUserProperty(UserProperties.Label, Utf8(truth));
            }

            return builder.Build();
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
            LogUnreadableSample(logger, _deviceId, seq);
            return null;
        }

        // Escalation is said only when the cloud need not infer, so a payload without it means "answer this".
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            telemetry with { Seq = seq, Edge = sample.Local ?? telemetry.Edge, Escalate = sample.Escalate ? null : false, Label = _sendTruth ? sample.Label ?? telemetry.Label : telemetry.Label },
            ProtocolJson.Wire.Telemetry);
        return builder.WithTopic(_telemetryTopic).WithPayload(payload).Build();
    }

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);

    [LoggerMessage(Level = LogLevel.Information, Message = "The gateway was busy with uplink {Seq} of device {DeviceId} ({ReasonString}); it goes again after a pause")]
    private static partial void LogBusy(ILogger logger, string deviceId, long seq, string? reasonString);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused uplink {Seq} of device {DeviceId}: {ReasonCode} {ReasonString}")]
    private static partial void LogRefused(ILogger logger, string deviceId, long seq, string reasonCode, string? reasonString);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink {Seq} of device {DeviceId} will be resent once connected: {Reason}")]
    private static partial void LogResending(ILogger logger, string deviceId, long seq, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipped uplink {Seq} of device {DeviceId}: its source produced telemetry that is not valid JSON with 'values'")]
    private static partial void LogUnreadableSample(ILogger logger, string deviceId, long seq);
}

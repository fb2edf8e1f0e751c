using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace IotAi.Simulator;

/// <summary>The receive side: matching replies to uplinks, timeouts and connection loss.</summary>
internal sealed partial class SimulatedDevice
{
    // Runs on the client's receive loop, which also carries our PUBACKs: it must stay short and never block.
    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        var receivedAt = Stopwatch.GetTimestamp();
        try
        {
            if (message.Topic == _resultTopic)
            {
                OnResult(Read(message.Payload, ProtocolJson.Wire.InferenceResult), receivedAt);
            }
            else if (message.Topic == _errorTopic)
            {
                OnError(Read(message.Payload, ProtocolJson.Wire.ErrorReply));
            }
            else if (_options.Answer == FleetAnswer.Echo && (message.Topic == _telemetryTopic || message.Topic == _imageTopic))
            {
                OnEcho(message, receivedAt);
            }

            // Other downlinks (twin updates) are not part of the load model.
        }
        catch (JsonException ex)
        {
            _statistics.Unmatched();
            LogUnreadableReply(_logger, ex, Id, message.Topic);
        }

        return Task.CompletedTask;
    }

    private void OnResult(InferenceResult? result, long receivedAt)
    {
        if (result?.Seq is not { } seq || !_pending.TryTake(seq, out var uplink))
        {
            _statistics.Unmatched();
            return;
        }

        var latency = Stopwatch.GetElapsedTime(uplink.SentAt, receivedAt);
        if (uplink.Truth is null)
        {
            // A replayed row without a label: answered, with nothing to grade.
            _statistics.Delivered(uplink.Kind, latency);
        }
        else
        {
            _statistics.Result(uplink.Kind, string.Equals(result.Label, uplink.Truth, StringComparison.Ordinal), latency);
        }

        _statistics.Inference.Record(TimeSpan.FromMilliseconds(result.InferenceMs));
    }

    /// <summary>The uplink's own copy came back through the broker: that delivery is its answer.</summary>
    private void OnEcho(MqttApplicationMessage message, long receivedAt)
    {
        if (EchoedSeq(message) is not { } seq || !Answered(seq, receivedAt))
        {
            _statistics.Unmatched();
        }
    }

    private static long? EchoedSeq(MqttApplicationMessage message)
    {
        if (message.UserProperties?.FirstOrDefault(static p => p.Name == UserProperties.Seq) is { } property)
        {
            return long.TryParse(property.ValueBuffer.Span, NumberStyles.None, CultureInfo.InvariantCulture, out var fromProperty) ? fromProperty : null;
        }

        // Telemetry as this device writes it: the seq is the first property.
        var reader = new Utf8JsonReader(message.Payload);
        return reader.Read() && reader.Read() && reader.ValueTextEquals("seq"u8) && reader.Read() && reader.TryGetInt64(out var seq) ? seq : null;
    }

    /// <summary>Settles an uplink answered by a PUBACK or its echo, where there is no label to grade.</summary>
    private bool Answered(long seq, long answeredAt)
    {
        if (!_pending.TryTake(seq, out var uplink))
        {
            return false;
        }

        _statistics.Delivered(uplink.Kind, Stopwatch.GetElapsedTime(uplink.SentAt, answeredAt));
        return true;
    }

    private void OnError(ErrorReply? error)
    {
        if (error?.Seq is not { } seq || !_pending.TryTake(seq, out _))
        {
            _statistics.Unmatched();
            return;
        }

        _statistics.Error(error.Code ?? "unknown");
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !_closing)
        {
            _statistics.ConnectionLost();
            if (Reconnects)
            {
                LogConnectionLostReconnecting(_logger, Id, e.Reason);
            }
            else
            {
                LogConnectionLost(_logger, e.Exception, Id, e.Reason);
            }
        }

        // MQTTnet raises this on a pool thread: after a quick reconnect it may come late, for the old connection.
        if (!_client.IsConnected)
        {
            MarkDisconnected();
        }

        return Task.CompletedTask;
    }

    private void MarkDisconnected()
    {
        if (Interlocked.Exchange(ref _connected, 0) == 1)
        {
            _statistics.DeviceDisconnected();
        }
    }

    private void ExpireOlderThan(TimeSpan timeout) =>
        TimedOut(_pending.ExpireSentBefore(Stopwatch.GetTimestamp() - (long)(timeout.TotalSeconds * Stopwatch.Frequency)));

    private void TimedOut(int count)
    {
        if (count > 0)
        {
            _statistics.TimedOut(count);
        }
    }

    private static T? Read<T>(ReadOnlySequence<byte> payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var reader = new Utf8JsonReader(payload);
        return JsonSerializer.Deserialize(ref reader, type);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} lost its connection ({Reason}); it stops sending")]
    private static partial void LogConnectionLost(ILogger logger, Exception? exception, string deviceId, MqttClientDisconnectReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId} lost its connection ({Reason}); it reconnects")]
    private static partial void LogConnectionLostReconnecting(ILogger logger, string deviceId, MqttClientDisconnectReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId} could not send seq {Seq}")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string deviceId, long seq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The gateway refused seq {Seq} from device {DeviceId}: {ReasonCode} {ReasonString}")]
    private static partial void LogRefused(ILogger logger, string deviceId, long seq, MqttClientPublishReasonCode reasonCode, string? reasonString);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId} got an unreadable reply on {Topic}")]
    private static partial void LogUnreadableReply(ILogger logger, Exception exception, string deviceId, string topic);
}

using System.Diagnostics;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace IotAi.Simulator;

/// <summary>The send side: writing and publishing uplinks, and after a lost connection, reconnecting and sending again.</summary>
internal sealed partial class SimulatedDevice
{
    // number: this device's message number in the run, from 1; the seq is offset from it by FirstSeq.
    private async Task SendAsync(long number, DateTimeOffset now)
    {
        var seq = _options.FirstSeq + number - 1;
        var isImage = _replay is null && _options.IsImage(_index, number);
        string? truth;
        MqttApplicationMessage message;
        if (_replay is not null)
        {
            var row = _replay.Rows[(int)(number - 1)];
            message = Composer.Replayed(seq, now, row, Reconnects, _telemetryTopic);
            truth = row.Label;
        }
        else
        {
            DriftWhenDue();
            message = isImage ? Composer.Image(seq, _imageTopic, out var label) : Composer.Telemetry(seq, now, Reconnects, _telemetryTopic, out label);
            truth = label;
        }

        var kind = isImage ? PayloadKind.Image : PayloadKind.Telemetry;

        // Remembered before the publish: the gateway may answer before its PUBACK reaches us. The message is kept
        // only when it may have to be sent again after a reconnect.
        _pending.Add(seq, new PendingUplink(kind, Stopwatch.GetTimestamp(), truth, Reconnects ? message : null));
        _statistics.Sending(kind);
        await PublishAsync(seq, message, resent: false);
    }

    /// <param name="seq">The uplink's seq.</param>
    /// <param name="message">The uplink.</param>
    /// <param name="resent">
    /// A copy sent again after a reconnect counts as answered by its PUBACK: the gateway acknowledges a seq it has
    /// already processed without answering it twice, so a result may never come.
    /// </param>
    private async Task PublishAsync(long seq, MqttApplicationMessage message, bool resent)
    {
        try
        {
            // Not cancelled with the run: a publish already on the wire finishes (its PUBACK is a few milliseconds away),
            // so the run's end never counts as a failed send. MQTTnet reports a cancelled publish as timed out.
            var published = await _client.PublishAsync(message, CancellationToken.None);
            if (published.IsSuccess && (resent || _options.Answer == FleetAnswer.Acknowledgement))
            {
                Answered(seq, Stopwatch.GetTimestamp());
            }
            else if (!published.IsSuccess)
            {
                // The gateway follows a refusal with an error reply, which settles the entry; else it times out.
                _statistics.Refused();
                LogRefused(_logger, Id, seq, published.ReasonCode, published.ReasonString);
            }
        }
        catch (Exception ex)
        {
            // A device that reconnects keeps the uplink and sends it again on its next connection.
            if (!Reconnects && _pending.TryTake(seq, out _))
            {
                _statistics.SendFailed();
            }

            LogSendFailed(_logger, ex, Id, seq);
        }
    }

    /// <summary>Reconnects with growing, jittered waits until it succeeds or the run ends; false when the run ended first.</summary>
    private async Task<bool> ReconnectAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            await Task.Delay(_options.Faults.Backoff(attempt), _time, cancellationToken);
            try
            {
                await ConnectAsync(cancellationToken);
                _statistics.Reconnected();
                LogReconnected(_logger, Id, attempt);
                await ResendAsync();
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogReconnectFailed(_logger, ex, Id, attempt);
            }
        }

        return false;
    }

    /// <summary>Sends again, in seq order, every uplink the lost connection left unanswered.</summary>
    private async Task ResendAsync()
    {
        foreach (var (seq, uplink) in _pending.Unanswered())
        {
            if (uplink.Message is { } message && _client.IsConnected)
            {
                _statistics.Resending();
                await PublishAsync(seq, message, resent: true);
            }
        }
    }

    /// <summary>
    /// After the last send, a device whose connection dropped with uplinks unanswered reconnects to deliver them,
    /// for as long as the run would wait for answers anyway.
    /// </summary>
    private async Task RecoverUnansweredAsync(CancellationToken cancellationToken)
    {
        if (!Reconnects || _client.IsConnected || _pending.Count == 0)
        {
            return;
        }

        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(_options.DrainTimeout);
        try
        {
            await ReconnectAsync(drain.Token);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Out of time: what is left counts as timed out.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId} reconnected at attempt {Attempt}")]
    private static partial void LogReconnected(ILogger logger, string deviceId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId} could not reconnect at attempt {Attempt}")]
    private static partial void LogReconnectFailed(ILogger logger, Exception exception, string deviceId, int attempt);
}

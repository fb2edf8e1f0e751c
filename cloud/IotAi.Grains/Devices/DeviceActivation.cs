using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;

namespace IotAi.Grains.Devices;

/// <summary>
/// What the parts of one device grain's activation share: the device's id, its persisted twin, the way down to the
/// device, and the refusals every part answers bad input with. The grain writes the twin once per call, after the
/// parts have changed it; a part writes it itself only where something must be on disk before it goes on.
/// </summary>
internal sealed partial class DeviceActivation(string deviceId, IPersistentState<DeviceState> twin, IGrainFactory grains, TimeProvider clock, ILogger logger)
{
    public string DeviceId { get; } = deviceId;

    public DeviceState State => twin.State;

    public IGrainFactory Grains { get; } = grains;

    public TimeProvider Clock { get; } = clock;

    public Task WriteAsync() => twin.WriteStateAsync();

    /// <summary>Notes that the device was heard from now, and returns now.</summary>
    public DateTimeOffset Heard()
    {
        var now = Clock.GetUtcNow();
        State.LastSeen = now;
        return now;
    }

    /// <summary>Counts and logs a refused uplink, and builds the error the device is answered with.</summary>
    public UplinkReply Reject(string topic, long? seq, UplinkOutcome outcome, string code, string message)
    {
        State.Counters.Rejected++;
        LogRejected(DeviceId, topic, code, message);
        return new UplinkReply(outcome, Replies.Error(seq, code, message, topic));
    }

    /// <summary>A refusal of a payload the device got wrong.</summary>
    public UplinkReply Invalid(string topic, long? seq, string message) =>
        Reject(topic, seq, UplinkOutcome.PayloadInvalid, ErrorCodes.PayloadInvalid, message);

    /// <summary>Reads a JSON control message; a payload that does not parse or fails <paramref name="check"/> gets an error reply.</summary>
    public (T? Value, UplinkReply? Refusal) ReadJson<T>(byte[] payload, string topic, JsonTypeInfo<T> type, Func<T, string?> check)
        where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(payload, type);
        }
        catch (JsonException ex)
        {
            return (null, Invalid(topic, null, $"invalid JSON: {ex.Message}"));
        }

        var error = value is null ? "the payload is empty JSON" : check(value);
        return error is null ? (value, null) : (null, Invalid(topic, null, error));
    }

    /// <summary>Sends a message down to the device if it is connected; a connection that has gone is forgotten until the device reconnects.</summary>
    public async Task PushAsync(DownlinkMessage message)
    {
        if (State.Downlink is not { } downlink)
        {
            return;
        }

        try
        {
            await downlink.DeliverAsync(DeviceId, message);
        }
#pragma warning disable CA1031 // A silo that went away takes the connection with it; the device catches up when it reconnects.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDownlinkLost(ex, DeviceId);
            State.Downlink = null;
            await WriteAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused an uplink from {DeviceId} on {Topic}: {Code} ({Reason})")]
    private partial void LogRejected(string deviceId, string topic, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The downlink to {DeviceId} is gone; it gets its desired properties when it reconnects")]
    private partial void LogDownlinkLost(Exception exception, string deviceId);
}

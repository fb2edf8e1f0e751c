using System.Collections.Concurrent;
using System.Threading.Channels;

namespace IotAi.Grains.Tests;

/// <summary>A downlink that keeps what it is asked to deliver, so a test can await it.</summary>
internal sealed class RecordingDownlink : IDeviceDownlink
{
    private readonly Channel<(string DeviceId, DownlinkMessage Message)> _delivered = Channel.CreateUnbounded<(string, DownlinkMessage)>();

    /// <summary>Connects device <paramref name="deviceId"/> with a new recording downlink, and returns the downlink.</summary>
    public static async Task<RecordingDownlink> ConnectAsync(IGrainFactory grains, string deviceId)
    {
        var downlink = new RecordingDownlink();
        await grains.GetGrain<IDeviceGrain>(deviceId).ConnectedAsync(grains.CreateObjectReference<IDeviceDownlink>(downlink), 0);
        return downlink;
    }

    public Task DeliverAsync(string deviceId, DownlinkMessage message)
    {
        _delivered.Writer.TryWrite((deviceId, message));
        return Task.CompletedTask;
    }

    /// <summary>The reasons the device was told to go, in order.</summary>
    public ConcurrentQueue<string> Disconnects { get; } = new();

    public Task DisconnectAsync(string deviceId, string reason)
    {
        Disconnects.Enqueue(reason);
        return Task.CompletedTask;
    }

    public async Task<(string DeviceId, DownlinkMessage Message)> NextAsync() =>
        await _delivered.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>How many deliveries are waiting to be read.</summary>
    public int Pending => _delivered.Reader.Count;
}

/// <summary>A downlink whose silo is gone: every delivery fails.</summary>
internal sealed class VanishedDownlink : IDeviceDownlink
{
    public Task DeliverAsync(string deviceId, DownlinkMessage message) => throw new InvalidOperationException("the silo holding this connection is gone");

    public Task DisconnectAsync(string deviceId, string reason) => throw new InvalidOperationException("the silo holding this connection is gone");
}

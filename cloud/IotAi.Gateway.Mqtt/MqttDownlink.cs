using IotAi.Grains;

namespace IotAi.Gateway.Mqtt;

/// <summary>This silo's end of the downlink: device grains anywhere in the cluster call it to reach devices connected here.</summary>
internal sealed class MqttDownlink(Func<string, DownlinkMessage, Task> publish, Func<string, string, Task> disconnect) : IDeviceDownlink
{
    public Task DeliverAsync(string deviceId, DownlinkMessage message) => publish(deviceId, message);

    public Task DisconnectAsync(string deviceId, string reason) => disconnect(deviceId, reason);
}

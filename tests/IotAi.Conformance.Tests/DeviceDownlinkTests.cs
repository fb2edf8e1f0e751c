using System.Text.Json;
using IotAi.Grains;
using IotAi.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>What the gateway does for devices on top of the standard: it tells a device of a message too large for it, and gives its own downlinks an expiry.</summary>
[Collection(BrokersGroup.Name)]
public sealed class DeviceDownlinkTests(Brokers brokers)
{
    [Fact]
    public async Task A_device_is_told_of_a_downlink_larger_than_it_can_take_and_desired_properties_expire_after_an_hour()
    {
        var deviceId = $"conformance-{Guid.NewGuid():N}";
        var (device, _) = await Clients.ConnectAsync(brokers.Port(Brokers.Gateway), deviceId, o => o.WithMaximumPacketSize(512));
        using var _d = device;
        var received = Clients.Record(device);
        await Clients.SubscribeAsync(device, DeviceTopics.DownlinkFilter(deviceId));
        var grain = brokers.Silo.Grains.GetGrain<IDeviceGrain>(deviceId);

        await grain.SetDesiredAsync(new Dictionary<string, string> { ["banner"] = new string('x', 2000) });
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => m.Topic == DeviceTopics.Error(deviceId))), "the device was not told", 30);
        var error = JsonDocument.Parse(Clients.Text(received.Single(m => m.Topic == DeviceTopics.Error(deviceId)))).RootElement;
        Assert.Equal(ErrorCodes.MessageTooLarge, error.GetProperty("code").GetString());
        Assert.Equal(DeviceTopics.Desired(deviceId), error.GetProperty("topic").GetString());

        await grain.SetDesiredAsync(new Dictionary<string, string> { ["banner"] = "short" });
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => m.Topic == DeviceTopics.Desired(deviceId))), "the desired properties that fit never came", 30);
        var desired = received.Single(m => m.Topic == DeviceTopics.Desired(deviceId));
        Assert.InRange(desired.MessageExpiryInterval, 3500u, 3600u);
    }
}

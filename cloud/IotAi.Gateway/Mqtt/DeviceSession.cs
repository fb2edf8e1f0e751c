using System.Collections;
using IotAi.Grains;
using IotAi.Protocol;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// What the ingress keeps in a device's MQTT session, so that a message needs no lookups: the reference to its grain
/// (making one resolves the grain interface by reflection, which cost more than the rest of the ingress's own work on
/// a message) and its result topic.
/// </summary>
internal sealed class DeviceSession
{
    private const string Key = "iotai.device";

    private DeviceSession(string deviceId, IDeviceGrain grain)
    {
        DeviceId = deviceId;
        Grain = grain;
        ResultTopic = DeviceTopics.Result(deviceId);
    }

    public string DeviceId { get; }

    public IDeviceGrain Grain { get; }

    public string ResultTopic { get; }

    /// <summary>The session's device, made at its first uplink; a topic naming another device gets one of its own.</summary>
    public static DeviceSession Of(IDictionary sessionItems, string deviceId, IGrainFactory grains)
    {
        if (sessionItems[Key] is DeviceSession known && known.DeviceId == deviceId)
        {
            return known;
        }

        var session = new DeviceSession(deviceId, grains.GetGrain<IDeviceGrain>(deviceId));
        sessionItems[Key] = session;
        return session;
    }
}

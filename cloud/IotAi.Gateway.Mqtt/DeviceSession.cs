using System.Collections;
using IotAi.Grains;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// What the ingress keeps in a device's MQTT session, so that a message needs no lookups: the reference to its grain
/// (making one resolves the grain interface by reflection, which cost more than the rest of the ingress's own work on
/// a message) and its result topic; and, for delivering answers straight into the session, the device's own
/// downlink subscriptions and the broker's handle on its session.
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

    /// <summary>The broker's handle on this session, looked up at the first answer delivered into it.</summary>
    public MqttSessionStatus? BrokerSession { get; set; }

    private readonly Lock _gate = new();

    // Replaced whole on (rare) subscribes, read on every answer.
    private volatile (string Filter, MqttQualityOfServiceLevel Qos)[] _downlinkFilters = [];

    /// <summary>The QoS the device asked for on its filters that match <paramref name="topic"/>, or null when none does.</summary>
    public MqttQualityOfServiceLevel? SubscribedQos(string topic)
    {
        MqttQualityOfServiceLevel? best = null;
        foreach (var (filter, qos) in _downlinkFilters)
        {
            if ((best is null || qos > best) && MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                best = qos;
            }
        }

        return best;
    }

    public void Subscribed(string filter, MqttQualityOfServiceLevel qos)
    {
        lock (_gate)
        {
            _downlinkFilters = [.. _downlinkFilters.Where(f => f.Filter != filter), (filter, qos)];
        }
    }

    public void Unsubscribed(string filter)
    {
        lock (_gate)
        {
            _downlinkFilters = [.. _downlinkFilters.Where(f => f.Filter != filter)];
        }
    }

    /// <summary>The session's device if the session has met it (at an uplink or a subscription), else null.</summary>
    public static DeviceSession? Known(IDictionary sessionItems, string deviceId) =>
        sessionItems[Key] is DeviceSession known && known.DeviceId == deviceId ? known : null;

    /// <summary>The session's device, made at its first uplink; a topic naming another device gets one of its own.</summary>
    public static DeviceSession Of(IDictionary sessionItems, string deviceId, IGrainFactory grains)
    {
        if (Known(sessionItems, deviceId) is { } known)
        {
            return known;
        }

        var session = new DeviceSession(deviceId, grains.GetGrain<IDeviceGrain>(deviceId));
        sessionItems[Key] = session;
        return session;
    }
}

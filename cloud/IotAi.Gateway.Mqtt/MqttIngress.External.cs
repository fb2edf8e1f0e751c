using System.Collections;
using System.Collections.Concurrent;
using IotAi.Grains;
using MQTTnet;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// The ingress's part in external broker mode: an uplink the user's broker delivered is published into this silo's own
/// broker as the device itself, so it goes through the same checks and the same grains as one from a device connected here.
/// </summary>
public sealed partial class MqttIngress
{
    /// <summary>What the ingress keeps per device (the session items a connection would carry), for devices heard through the user's broker.</summary>
    private readonly ConcurrentDictionary<string, Hashtable> _externalDevices = new(StringComparer.Ordinal);

    /// <summary>
    /// Other silos left: devices whose grains held a way down through them are told this silo's at their next uplink, and
    /// the first silo that remains takes over the sessions they left at the user's broker, with the uplinks they held.
    /// </summary>
    private void OnSilosGone(IReadOnlyList<Grains.Broker.BrokerPeerView> gone, bool takeOver)
    {
        _externalDevices.Clear();
        foreach (var silo in takeOver ? gone : [])
        {
            // A silo that already came back under the same client id has its session again: taking it over would only
            // throw that silo off the broker.
            if (silo.ExternalClientId is { } clientId && cluster.Peers.All(p => p.ExternalClientId != clientId))
            {
                _ = external.AdoptAsync(clientId);
            }
        }
    }

    /// <summary>Handles one uplink from the user's broker; done once the device's grain has answered it.</summary>
    private Task TakeExternalUplinkAsync(string deviceId, MqttApplicationMessage message)
    {
        if (!_externalDevices.TryGetValue(deviceId, out var items))
        {
            items = _externalDevices.GetOrAdd(deviceId, static _ => Hashtable.Synchronized([]));
            // First heard through this silo: its grain learns the way to it, and sends what it has waiting (desired
            // properties, offers), as when a device connects.
            var grain = grains.GetGrain<IDeviceGrain>(deviceId);
            _ = TellGrainAsync(deviceId, token => grain.ConnectedAsync(_downlinkReference!, 0).WaitAsync(token));
        }

        return _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = deviceId, CustomSessionItems = items });
    }
}

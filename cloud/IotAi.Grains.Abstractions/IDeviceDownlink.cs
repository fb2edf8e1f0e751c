namespace IotAi.Grains;

/// <summary>
/// The way from any silo to a device: the silo that holds the device's MQTT connection registers one of
/// these with the device grain, and the grain sends through it whatever it has to push unasked.
/// </summary>
[Alias("IotAi.IDeviceDownlink")]
public interface IDeviceDownlink : IGrainObserver
{
    /// <summary>Publishes <paramref name="message"/> to the device's downlink topic on the silo that holds its connection.</summary>
    Task DeliverAsync(string deviceId, DownlinkMessage message);

    /// <summary>Closes the device's connection on that silo, with MQTT 5 reason "not authorized" and <paramref name="reason"/>.</summary>
    Task DisconnectAsync(string deviceId, string reason);
}

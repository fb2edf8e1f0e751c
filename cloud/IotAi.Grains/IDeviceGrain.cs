namespace IotAi.Grains;

/// <summary>A device's digital twin: one activation per device id, wherever in the cluster it lives.</summary>
[Alias("IotAi.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Deduplicates, infers and answers one uplink.</summary>
    Task<UplinkReply> HandleUplinkAsync(Uplink uplink);

    /// <summary>Merges what the device reports about itself into the twin; replies only with an error.</summary>
    Task<UplinkReply> ReportAsync(byte[] payload, string topic);

    /// <summary>Called by the silo that accepted the device's MQTT connection.</summary>
    Task ConnectedAsync(IDeviceDownlink downlink);

    /// <summary>Called when that connection closes; ignored if another silo holds a newer one.</summary>
    Task DisconnectedAsync(IDeviceDownlink downlink);

    /// <summary>Merges desired properties into the twin and pushes the whole desired set to the device.</summary>
    Task SetDesiredAsync(IReadOnlyDictionary<string, string> desired);

    Task<DeviceTwin> GetTwinAsync();
}

namespace IotAi.Grains;

/// <summary>A device's digital twin: one activation per device id, wherever in the cluster it lives.</summary>
[Alias("IotAi.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Deduplicates, infers and answers one uplink.</summary>
    Task<UplinkReply> HandleUplinkAsync(Uplink uplink);

    /// <summary>Merges what the device reports about itself into the twin; replies only with an error.</summary>
    Task<UplinkReply> ReportAsync(byte[] payload, string topic);

    /// <summary>
    /// Called by the silo that accepted the device's MQTT connection, with the Maximum Packet Size the device announced
    /// (0: none), which model chunks offered to it are cut to fit.
    /// </summary>
    Task ConnectedAsync(IDeviceDownlink downlink, uint maximumPacketSize);

    /// <summary>
    /// Called when the device subscribes to its downlink: what it missed (desired properties, pending model
    /// offers) is pushed again, since a device on a clean session could not receive the push made at connect.
    /// </summary>
    Task DownlinkSubscribedAsync();

    /// <summary>Called when that connection closes; ignored if another silo holds a newer one.</summary>
    Task DisconnectedAsync(IDeviceDownlink downlink);

    /// <summary>Closes the device's connection wherever it is held, e.g. because it was just revoked.</summary>
    Task DisconnectAsync(string reason);

    /// <summary>Merges desired properties into the twin and pushes the whole desired set to the device.</summary>
    Task SetDesiredAsync(IReadOnlyDictionary<string, string> desired);

    Task<DeviceTwin> GetTwinAsync();

    /// <summary>Offers a registered model version to the device: now if it is connected, else when it connects.</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="version">The version to offer.</param>
    /// <param name="rolloutId">The rollout that offers it, which then hears the device's reports; null for a direct offer.</param>
    Task OfferModelAsync(string name, string version, string? rolloutId = null);

    /// <summary>Replaces the device's tags, which rollouts target.</summary>
    Task SetTagsAsync(IReadOnlyDictionary<string, string> tags);

    /// <summary>Records how a model update goes on the device (<c>devices/{id}/up/model/status</c>).</summary>
    Task<UplinkReply> ReportModelStatusAsync(byte[] payload, string topic);

    /// <summary>Records how a model version answers on the device (<c>devices/{id}/up/model/quality</c>).</summary>
    Task<UplinkReply> ReportModelQualityAsync(byte[] payload, string topic);

    /// <summary>Labels a kept sample with the ground truth the device learnt later (<c>devices/{id}/up/label</c>).</summary>
    Task<UplinkReply> ReportLabelAsync(byte[] payload, string topic);

    /// <summary>What the device last reported about each recent version of <paramref name="name"/>, oldest first.</summary>
    Task<IReadOnlyList<VersionQuality>> GetModelQualityAsync(string name);

    /// <summary>
    /// Makes the device, which the cloud serves, part of a rollout's trial of <paramref name="candidate"/>: it shadows the
    /// version that answers the device now, or, with <paramref name="answering"/>, answers in its place. Asked again with
    /// <paramref name="answering"/>, an existing trial of the same rollout keeps its baseline.
    /// </summary>
    Task JoinTrialAsync(string model, string rolloutId, string candidate, bool answering);

    /// <summary>Ends the device's trial of <paramref name="model"/> by <paramref name="rolloutId"/>, if it takes part, as <paramref name="ending"/> says.</summary>
    Task EndTrialAsync(string model, string rolloutId, TrialEnd ending);
}

namespace IotAi.Grains;

/// <summary>
/// Every device the cluster has met, with its tags, so rollouts can target by tag or by share of the
/// fleet. One activation (key 0); devices register once, and again when their tags change, and registrations
/// share their writes. A fleet far beyond tens of thousands would shard this by a hash of the device id.
/// </summary>
[Alias("IotAi.IDeviceDirectoryGrain")]
public interface IDeviceDirectoryGrain : IGrainWithIntegerKey
{
    Task RegisterAsync(string deviceId, IReadOnlyDictionary<string, string> tags);

    /// <summary>The ids of the devices carrying every one of <paramref name="tags"/> (all devices for none), sorted.</summary>
    Task<IReadOnlyList<string>> FindAsync(IReadOnlyDictionary<string, string> tags);
}

using Orleans.Runtime;

namespace IotAi.Grains;

public sealed class DeviceDirectoryGrain(
    [PersistentState("directory", DeviceGrain.StorageName)] IPersistentState<DeviceDirectoryState> directory) : Grain, IDeviceDirectoryGrain
{
    public async Task RegisterAsync(string deviceId, IReadOnlyDictionary<string, string> tags)
    {
        if (directory.State.Devices.TryGetValue(deviceId, out var known) && known.Count == tags.Count && !known.Except(tags).Any())
        {
            return;
        }

        directory.State.Devices[deviceId] = new Dictionary<string, string>(tags);
        await directory.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> FindAsync(IReadOnlyDictionary<string, string> tags) => Task.FromResult<IReadOnlyList<string>>(
        [.. directory.State.Devices
            .Where(d => tags.All(t => d.Value.TryGetValue(t.Key, out var value) && value == t.Value))
            .Select(d => d.Key)
            .Order(StringComparer.Ordinal)]);
}

[GenerateSerializer, Alias("IotAi.DeviceDirectoryState")]
public sealed class DeviceDirectoryState
{
    [Id(0)] public Dictionary<string, Dictionary<string, string>> Devices { get; set; } = [];
}

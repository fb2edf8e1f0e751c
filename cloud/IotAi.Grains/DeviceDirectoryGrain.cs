using Orleans.Concurrency;
using Orleans.Runtime;

namespace IotAi.Grains;

/// <summary>
/// The directory keeps its whole map in one state, so a write costs the size of the fleet. Registrations therefore
/// share writes (a group commit): while one write runs, the changes that arrive wait for the next, which carries
/// them all, and each caller returns only once a write holding its change has landed. Writing once per new device
/// made a fleet of N devices cost N² to connect. Reentrant, so waiting registrations do not hold up the rest.
/// </summary>
[Reentrant]
public sealed class DeviceDirectoryGrain(
    [PersistentState("directory", DeviceGrain.StorageName)] IPersistentState<DeviceDirectoryState> directory) : Grain, IDeviceDirectoryGrain
{
    private Task _writing = Task.CompletedTask;
    private Task? _next;

    public Task RegisterAsync(string deviceId, IReadOnlyDictionary<string, string> tags)
    {
        if (directory.State.Devices.TryGetValue(deviceId, out var known) && known.Count == tags.Count && !known.Except(tags).Any())
        {
            // Known already, but perhaps not on disk yet: wait for the write that will hold it, or holds it now.
            return _next ?? _writing;
        }

        directory.State.Devices[deviceId] = new Dictionary<string, string>(tags);
        return _next ??= WriteNextAsync();
    }

    public Task<IReadOnlyList<string>> FindAsync(IReadOnlyDictionary<string, string> tags) => Task.FromResult<IReadOnlyList<string>>(
        [.. directory.State.Devices
            .Where(d => tags.All(t => d.Value.TryGetValue(t.Key, out var value) && value == t.Value))
            .Select(d => d.Key)
            .Order(StringComparer.Ordinal)]);

    /// <summary>The next write: it starts once the one in progress (which began before these changes) has finished.</summary>
    private async Task WriteNextAsync()
    {
        // Never finish synchronously: RegisterAsync must hold this task in _next before the write takes the state.
        await Task.Yield();
        try
        {
            await _writing;
        }
#pragma warning disable CA1031 // The write before failed its own callers; this one carries the changes again.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        // From here on a change needs another write: this one may have taken the state before the change.
        _next = null;
        _writing = directory.WriteStateAsync();
        await _writing;
    }
}

[GenerateSerializer, Alias("IotAi.DeviceDirectoryState")]
public sealed class DeviceDirectoryState
{
    [Id(0)] public Dictionary<string, Dictionary<string, string>> Devices { get; set; } = [];
}

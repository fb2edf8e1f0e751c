using Orleans.Runtime;

namespace IotAi.Grains.Keys;

public sealed class ModelKeySetGrain(
    [PersistentState("model-keys", DeviceGrain.StorageName)] IPersistentState<ModelKeySetState> keys) : Grain, IModelKeySetGrain
{
    public Task<PublishedKeySet?> GetAsync() => Task.FromResult(keys.State.Current);

    public async Task<PublishedKeySet> PublishAsync(PublishedKeySet keySet)
    {
        ArgumentNullException.ThrowIfNull(keySet);
        // Two silos starting with the same new keys both make the next version; the first one stored stands.
        if (keys.State.Current is { } current && current.Version >= keySet.Version)
        {
            return current;
        }

        keys.State.Current = keySet;
        await keys.WriteStateAsync();
        return keySet;
    }
}

[GenerateSerializer, Alias("IotAi.ModelKeySetState")]
public sealed class ModelKeySetState
{
    [Id(0)] public PublishedKeySet? Current { get; set; }
}

using Orleans.Runtime;

namespace IotAi.Grains.Rollouts;

/// <summary>The ids of every rollout, so a silo that starts can wake the unfinished ones (key 0).</summary>
[Alias("IotAi.IRolloutIndexGrain")]
public interface IRolloutIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string rolloutId);

    Task<IReadOnlyList<string>> ListAsync();
}

public sealed class RolloutIndexGrain(
    [PersistentState("rollouts", DeviceGrain.StorageName)] IPersistentState<HashSet<string>> index) : Grain, IRolloutIndexGrain
{
    public async Task AddAsync(string rolloutId)
    {
        if (index.State.Add(rolloutId))
        {
            await index.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. index.State.Order(StringComparer.Ordinal)]);
}

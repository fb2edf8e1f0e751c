using Orleans.Runtime;

namespace IotAi.Grains.Rollouts;

/// <summary>Keeps the ids of every rollout (see <see cref="IRolloutIndexGrain"/>).</summary>
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

using Orleans.Runtime;

namespace IotAi.Grains.Rollouts;

/// <summary>The ids of every rollout, so a silo that starts can wake the unfinished ones (key 0).</summary>
[Alias("IotAi.IRolloutIndexGrain")]
public interface IRolloutIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string rolloutId);

    Task<IReadOnlyList<string>> ListAsync();
}

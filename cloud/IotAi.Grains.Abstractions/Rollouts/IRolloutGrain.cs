using Orleans.Concurrency;

namespace IotAi.Grains.Rollouts;

/// <summary>
/// One staged rollout of a model version: it offers the version to a growing share of its target devices,
/// checks each stage against its gates, and, when a gate fails or an operator aborts, offers every device it
/// touched the version it ran before. Its state is persisted, so it carries on after a silo restart.
/// </summary>
[Alias("IotAi.IRolloutGrain")]
public interface IRolloutGrain : IGrainWithStringKey
{
    Task<RolloutStatus> StartAsync(RolloutPlan plan);

    Task<RolloutStatus?> GetStatusAsync();

    Task<RolloutStatus> PauseAsync();

    Task<RolloutStatus> ResumeAsync();

    /// <summary>Stops the rollout and returns every device it touched to its previous version.</summary>
    Task<RolloutStatus> AbortAsync(string reason);

    /// <summary>A device reports on the rollout's model; one-way, so a device grain never waits on a rollout.</summary>
    [OneWay]
    Task DeviceReportedAsync(string deviceId, string version, string state, string? reason);

    /// <summary>Makes a persisted, unfinished rollout pick up its work again, e.g. after a silo restart.</summary>
    Task WakeAsync();

    /// <summary>
    /// A device in the rollout's trial says how the candidate and the baseline did on its uplinks since it last said;
    /// one-way, so a device grain never waits on a rollout.
    /// </summary>
    [OneWay]
    Task TrialAnsweredAsync(string deviceId, LiveTally tally);
}

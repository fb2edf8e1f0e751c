namespace IotAi.Grains.Rollouts;

public enum RolloutPhase
{
    Running,
    Paused,
    Completed,
    RollingBack,
    RolledBack,
    Aborted,
}

/// <summary>Where a rollout stands, as operators and tests read it.</summary>
/// <param name="Id">The rollout's id.</param>
/// <param name="Plan">Its plan.</param>
/// <param name="Phase">Running, paused, completed, rolling back, rolled back or aborted.</param>
/// <param name="Stage">The index of the stage now running (or the last reached).</param>
/// <param name="Targets">How many devices the rollout covers.</param>
/// <param name="Devices">How many devices are in each update state (offered, downloading, active, failed, rolledBack, cloud for devices the cloud serves…).</param>
/// <param name="ActivationRate">The share of the current stage's devices running the version.</param>
/// <param name="FailureRate">The share of the current stage's devices that failed.</param>
/// <param name="Reason">Why it rolled back or stopped, if it did.</param>
/// <param name="Quality">The current stage's last quality verdict, with the figures behind it; null before one.</param>
/// <param name="Live">
/// The last live verdict where the cloud serves devices: how the version and the one it replaces answered the same labelled
/// uplinks; null before one, or when no device the cloud serves is in the rollout.
/// </param>
[GenerateSerializer, Immutable, Alias("IotAi.RolloutStatus")]
public sealed record RolloutStatus(
    string Id,
    RolloutPlan Plan,
    RolloutPhase Phase,
    int Stage,
    int Targets,
    IReadOnlyDictionary<string, int> Devices,
    double ActivationRate,
    double FailureRate,
    string? Reason,
    QualityVerdict? Quality,
    LiveVerdict? Live = null);

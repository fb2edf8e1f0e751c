namespace IotAi.Grains;

/// <summary>
/// A rollout's trial of a model version on a device the cloud serves: while it lasts, the device grain runs the candidate
/// beside the version it would replace (the baseline) on each uplink whose truth came with it, and reports how both did to
/// the rollout. The candidate answers the device when <paramref name="Answering"/> (the device is in a stage the rollout
/// has reached), else it only shadows.
/// </summary>
/// <param name="RolloutId">The rollout running the trial.</param>
/// <param name="Candidate">The version rolled out.</param>
/// <param name="Baseline">The version that answered the device when the trial began.</param>
/// <param name="Answering">Whether the candidate answers the device, or only shadows the baseline.</param>
[GenerateSerializer, Immutable, Alias("IotAi.CloudTrial")]
public sealed record CloudTrial(string RolloutId, string Candidate, string Baseline, bool Answering);

/// <summary>How a trial ends for a device.</summary>
public enum TrialEnd
{
    /// <summary>The rollout rolled back or was aborted: the baseline answers the device again.</summary>
    RolledBack,

    /// <summary>The rollout to some devices completed: the candidate keeps answering this device.</summary>
    Kept,

    /// <summary>The rollout to the whole fleet completed and made the candidate the active version, which answers every device.</summary>
    Promoted,
}

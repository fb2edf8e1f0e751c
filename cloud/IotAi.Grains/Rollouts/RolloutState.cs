namespace IotAi.Grains.Rollouts;

[GenerateSerializer, Alias("IotAi.RolloutState")]
public sealed class RolloutState
{
    [Id(0)] public RolloutPlan? Plan { get; set; }

    [Id(1)] public RolloutPhase Phase { get; set; }

    [Id(2)] public int Stage { get; set; }

    /// <summary>The target devices in a fixed order: stage n covers the first share of this list.</summary>
    [Id(3)] public List<string> Targets { get; set; } = [];

    /// <summary>Where each device offered the version stands (see <see cref="Protocol.ModelUpdateStates"/>), plus <c>rollingBack</c>.</summary>
    [Id(4)] public Dictionary<string, string> Devices { get; set; } = [];

    /// <summary>The version each offered device ran before, to return it to; null when it ran none.</summary>
    [Id(5)] public Dictionary<string, string?> Previous { get; set; } = [];

    [Id(6)] public DateTimeOffset StageStarted { get; set; }

    [Id(7)] public string? Reason { get; set; }

    /// <summary>Whether an operator stopped it, as opposed to a gate.</summary>
    [Id(8)] public bool Aborted { get; set; }

    /// <summary>When each device was last offered the version, so a device that never answered is offered again.</summary>
    [Id(9)] public Dictionary<string, DateTimeOffset> OfferedAt { get; set; } = [];

    /// <summary>The current stage's last quality verdict; null before it is first judged.</summary>
    [Id(10)] public QualityVerdict? Quality { get; set; }

    /// <summary>When the first stage began.</summary>
    [Id(11)] public DateTimeOffset Started { get; set; }

    /// <summary>The active version when the rollout began: what devices the cloud serves were answered with, and the candidate is compared with.</summary>
    [Id(12)] public string? Baseline { get; set; }

    /// <summary>Target devices the cloud serves, each in the rollout's trial, and whether the version answers it yet (its stage was reached).</summary>
    [Id(13)] public Dictionary<string, bool> CloudDevices { get; set; } = [];

    /// <summary>How many of <see cref="Targets"/>, in order, have been looked at for devices the cloud serves.</summary>
    [Id(14)] public int Scanned { get; set; }

    /// <summary>What the trial found so far, summed over every device in it.</summary>
    [Id(15)] public LiveTally Live { get; set; } = LiveTally.Empty;

    /// <summary>The last live verdict; null before one, or when no device the cloud serves is in the rollout.</summary>
    [Id(16)] public LiveVerdict? LiveVerdict { get; set; }
}

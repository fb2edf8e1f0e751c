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
}

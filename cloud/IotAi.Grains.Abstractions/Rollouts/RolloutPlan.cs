namespace IotAi.Grains.Rollouts;

/// <summary>What a rollout delivers, to whom, in which stages, and what each stage must prove before the next.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Version">The version to roll out.</param>
/// <param name="Target">Which devices.</param>
/// <param name="Stages">Shares of the target, growing, the last 100: e.g. canary 5 %, then 25 %, then 100 %.</param>
/// <param name="Gates">What every stage must meet.</param>
/// <param name="MaxConcurrentDownloads">How many devices may be fetching the model at once.</param>
[GenerateSerializer, Immutable, Alias("IotAi.RolloutPlan")]
public sealed record RolloutPlan(string Model, string Version, RolloutTarget Target, IReadOnlyList<RolloutStage> Stages, RolloutGates Gates, int MaxConcurrentDownloads = 50)
{
    /// <summary>Refuses a plan that could not run, with the reason.</summary>
    public void Validate()
    {
        if (Stages.Count == 0 || Stages.Any(s => s.Percent is <= 0 or > 100) || Stages[^1].Percent != 100
            || Stages.Zip(Stages.Skip(1)).Any(p => p.Second.Percent <= p.First.Percent))
        {
            throw new ArgumentException("Stages must grow, each above 0 and at most 100 percent, and the last must be 100.");
        }

        if (MaxConcurrentDownloads < 1)
        {
            throw new ArgumentException("MaxConcurrentDownloads must be at least 1.");
        }

        Gates.Validate();
        Target.Validate();
    }
}

/// <summary>Devices by id, or every known device with all of <paramref name="Tags"/>; <paramref name="Percentage"/> of those.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.RolloutTarget")]
public sealed record RolloutTarget(IReadOnlyList<string>? DeviceIds = null, IReadOnlyDictionary<string, string>? Tags = null, double Percentage = 100)
{
    public void Validate()
    {
        if (Percentage is <= 0 or > 100)
        {
            throw new ArgumentException("The target percentage must be above 0 and at most 100.");
        }
    }
}

[GenerateSerializer, Immutable, Alias("IotAi.RolloutStage")]
public sealed record RolloutStage(string Name, double Percent);

/// <summary>What a stage must show: enough devices running the version, few failing, answers as good as before, within a time.</summary>
/// <param name="MinActivationRate">The share of a stage's devices that must report the version active.</param>
/// <param name="MaxFailureRate">The share that may fail before the rollout rolls back, even mid-stage.</param>
/// <param name="StageTimeout">How long a stage may take, quality judgement included, before it counts as failed.</param>
/// <param name="Quality">How the version's answers must compare with the previous version's; null judges on activation alone.</param>
[GenerateSerializer, Immutable, Alias("IotAi.RolloutGates")]
public sealed record RolloutGates(double MinActivationRate, double MaxFailureRate, TimeSpan StageTimeout, QualityGates? Quality = null)
{
    public static RolloutGates Default { get; } = new(0.95, 0.05, TimeSpan.FromMinutes(30), QualityGates.Default);

    public void Validate()
    {
        if (MinActivationRate is < 0 or > 1 || MaxFailureRate is < 0 or > 1 || StageTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Gate rates are between 0 and 1, and the stage timeout is positive.");
        }

        Quality?.Validate();
    }
}

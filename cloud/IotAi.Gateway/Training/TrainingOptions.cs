using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Training;

/// <summary>When the silo retrains a model by itself, and what a run must show. Bound from <c>Learning:Training</c>.</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Learning:Training";

    /// <summary>Where runs execute: in this silo's process, or as Kubernetes Jobs set up by <c>Learning:Training:Job</c>.</summary>
    public TrainingExecutor Executor { get; set; } = TrainingExecutor.InProcess;

    /// <summary>How often the triggers are checked.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retrain once this many labelled samples have come since the last run's snapshot; null never.</summary>
    [Range(1, int.MaxValue)]
    public int? AfterNewLabels { get; set; } = 500;

    /// <summary>Retrain when the confidence drift (PSI) of the model's answers passes this; null never.</summary>
    [Range(0.0, 100.0)]
    public double? DriftPsi { get; set; } = 0.2;

    /// <summary>Retrain on this schedule whatever else happens; null never.</summary>
    public TimeSpan? Every { get; set; }

    /// <summary>The least time between two runs of a model a trigger starts, so a lasting drift does not retrain without end.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether a candidate a trigger registers is rolled out at once.</summary>
    public bool Rollout { get; set; } = true;

    [Range(1, int.MaxValue)]
    public int MinSamples { get; set; } = 50;

    [Range(0.0, 1.0)]
    public double MinImprovement { get; set; } = 0.01;
}

public enum TrainingExecutor
{
    InProcess,
    KubernetesJob,
}

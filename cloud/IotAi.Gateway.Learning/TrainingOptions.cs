using System.ComponentModel.DataAnnotations;
using IotAi.Training;

namespace IotAi.Gateway.Learning;

/// <summary>
/// When the silo retrains a model by itself, and what a run must show, whoever starts it (a request may override the
/// gates). Bound from <c>Learning:Training</c>; docs/operations.md says what each gate protects against.
/// </summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Learning:Training";

    private static readonly TrainingRequest Defaults = new("defaults");

    /// <summary>Where runs execute: in this silo's process, or as Kubernetes Jobs set up by <c>Learning:Training:Job</c>.</summary>
    public TrainingExecutor Executor { get; set; } = TrainingExecutor.InProcess;

    /// <summary>How often the triggers are checked.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retrain once this many labelled samples have come since the last run's snapshot, but only while the serving
    /// version's live accuracy is measurably below the best its model has shown (<see cref="MinAccuracyDrop"/>); null never.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? AfterNewLabels { get; set; } = 500;

    /// <summary>
    /// How far below the model's best the serving version's live accuracy must be, and by three standard errors, for
    /// new labels to start a run.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinAccuracyDrop { get; set; } = 0.01;

    /// <summary>Retrain when the serving version's live accuracy falls this far below the model's best, by three standard errors; null never.</summary>
    [Range(0.0, 1.0)]
    public double? AccuracyDrop { get; set; } = 0.05;

    /// <summary>Graded answers per window of the live accuracy: a version's first window is its reference, its latest says how it does now.</summary>
    [Range(10, 1_000_000)]
    public int AccuracyWindow { get; set; } = 500;

    /// <summary>Retrain when the confidence drift (PSI) of the model's answers passes this; null never.</summary>
    [Range(0.0, 100.0)]
    public double? DriftPsi { get; set; } = 0.2;

    /// <summary>Retrain on this schedule, an operator's standing request, whatever else happens; null (the default) never.</summary>
    public TimeSpan? Every { get; set; }

    /// <summary>The least time between two runs of a model a trigger starts, so a lasting drift does not retrain without end.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether a candidate a trigger registers is rolled out at once.</summary>
    public bool Rollout { get; set; } = true;

    [Range(1, int.MaxValue)]
    public int MinSamples { get; set; } = 50;

    /// <summary>How much the candidate's accuracy on recent traffic must beat the active version's.</summary>
    [Range(0.0, 1.0)]
    public double MinImprovement { get; set; } = Defaults.MinImprovement;

    /// <summary>Labelled evaluation samples of recent traffic a candidate is judged on, at least; 0 judges on the holdout of kept samples instead.</summary>
    [Range(0, int.MaxValue)]
    public int MinEvaluationSamples { get; set; } = Defaults.MinEvaluationSamples;

    /// <summary>The newest this many labelled evaluation samples are the recent traffic a candidate is judged on.</summary>
    [Range(1, int.MaxValue)]
    public int EvaluationWindow { get; set; } = Defaults.EvaluationWindow;

    /// <summary>How far any label's F1 on recent traffic may fall.</summary>
    [Range(0.0, 1.0)]
    public double MaxLabelDrop { get; set; } = Defaults.MaxLabelDrop;

    /// <summary>How far accuracy on the active version's regression set may fall.</summary>
    [Range(0.0, 1.0)]
    public double RegressionMargin { get; set; } = Defaults.RegressionMargin;

    /// <summary>Rows of the active version's training data replayed per new training sample; unset, 8 for an image model and 2 for a sensor model.</summary>
    [Range(0.0, 100.0)]
    public double? ReplayRatio { get; set; }

    /// <summary>A run of <paramref name="start"/>, with these settings where it gives none.</summary>
    public TrainingRequest Request(TrainingStart start, string runId)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new TrainingRequest(start.Model, start.HoldoutFraction ?? Defaults.HoldoutFraction, start.MinImprovement ?? MinImprovement, start.MinSamples ?? MinSamples, runId)
        {
            MinEvaluationSamples = start.MinEvaluationSamples ?? MinEvaluationSamples,
            EvaluationWindow = EvaluationWindow,
            MaxLabelDrop = start.MaxLabelDrop ?? MaxLabelDrop,
            RegressionMargin = start.RegressionMargin ?? RegressionMargin,
            ReplayRatio = start.ReplayRatio ?? ReplayRatio,
        };
    }
}

public enum TrainingExecutor
{
    InProcess,
    KubernetesJob,
}

using System.Globalization;

namespace IotAi.Training;

/// <summary>
/// What a candidate must show before it is registered, judged on figures a run has already computed. Pure, so every gate
/// is tested on its own:
/// <list type="bullet">
/// <item><b>traffic</b>: on the evaluation set, a uniform share of recent traffic never trained on, it beats the active
/// version by <see cref="TrainingRequest.MinImprovement"/> and by two standard errors of the paired difference, so a win
/// is neither small nor luck. Kept samples lean towards hard examples; only this set says how the fleet would fare;</item>
/// <item><b>per label</b>: on the same set, no label's F1 falls by more than <see cref="TrainingRequest.MaxLabelDrop"/>,
/// so a rare label is not traded for a common one (labels with fewer than <see cref="MinLabelSupport"/> samples are not judged);</item>
/// <item><b>regression</b>: on the active version's pinned regression set it is not worse by more than
/// <see cref="TrainingRequest.RegressionMargin"/>, so what the model once knew is not forgotten.</item>
/// </list>
/// With <see cref="TrainingRequest.MinEvaluationSamples"/> 0 an operator turns the traffic gates off; the holdout of kept
/// samples then decides, as a candidate must beat the active version on it by the improvement asked.
/// </summary>
public static class CandidateGates
{
    public const string Traffic = "traffic";
    public const string Regression = "regression";
    public const string Holdout = "holdout";

    /// <summary>The gate of one label's F1 on the traffic: <c>traffic.f1.{label}</c>.</summary>
    public static string LabelGate(string label) => $"{Traffic}.f1.{label}";

    /// <summary>A label needs this many evaluation samples before its F1 is judged; fewer say little.</summary>
    public const int MinLabelSupport = 10;

    /// <summary>How many standard errors a win on the traffic must clear.</summary>
    public const double MinZ = 2;

    public static IReadOnlyList<GateCheck> Judge(TrainingRequest request, string currentVersion, PairedEvaluation holdout, PairedEvaluation? traffic, PairedEvaluation? regression)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(holdout);
        var checks = new List<GateCheck>();
        var v = $"v{currentVersion}";
        if (request.MinEvaluationSamples == 0)
        {
            checks.Add(new(Holdout, holdout.Gain >= request.MinImprovement, holdout.Current.Accuracy, holdout.Candidate.Accuracy, request.MinImprovement,
                Say($"on the holdout of kept samples {holdout.Candidate.Accuracy:P1} against {v}'s {holdout.Current.Accuracy:P1} (must win by {request.MinImprovement:P1}; the traffic gates are off)")));
        }
        else if (traffic is null || traffic.Current.Samples < request.MinEvaluationSamples)
        {
            checks.Add(new(Traffic, false, traffic?.Current.Accuracy, traffic?.Candidate.Accuracy, request.MinImprovement,
                Say($"only {traffic?.Current.Samples ?? 0} labelled evaluation samples of recent traffic, at least {request.MinEvaluationSamples} needed (Learning:Capture:EvaluationFraction keeps them)")));
        }
        else
        {
            var won = traffic.Gain >= request.MinImprovement && traffic.Z >= MinZ;
            checks.Add(new(Traffic, won, traffic.Current.Accuracy, traffic.Candidate.Accuracy, request.MinImprovement,
                Say($"on {traffic.Current.Samples} samples of recent traffic {traffic.Candidate.Accuracy:P1} against {v}'s {traffic.Current.Accuracy:P1} ({Points(traffic.Gain)}, z {traffic.Z:F1}; must win by {request.MinImprovement:P1} at z {MinZ:F0} or more)")));
            foreach (var (label, before) in traffic.Current.PerLabel.Where(static l => l.Value.Support >= MinLabelSupport).OrderBy(static l => l.Key, StringComparer.Ordinal))
            {
                var after = traffic.Candidate.PerLabel[label];
                checks.Add(new(LabelGate(label), after.F1 >= before.F1 - request.MaxLabelDrop, before.F1, after.F1, request.MaxLabelDrop,
                    Say($"'{label}' F1 on recent traffic {after.F1:F2} against {v}'s {before.F1:F2} (may fall by {request.MaxLabelDrop:F2})")));
            }
        }

        checks.Add(regression is null || regression.Current.Samples == 0
            ? new(Regression, true, null, null, request.RegressionMargin, Say($"{v} has no regression set to hold the candidate to"))
            : new(Regression, regression.Gain >= -request.RegressionMargin, regression.Current.Accuracy, regression.Candidate.Accuracy, request.RegressionMargin,
                Say($"on {v}'s regression set of {regression.Current.Samples} {regression.Candidate.Accuracy:P1} against {regression.Current.Accuracy:P1} ({Points(regression.Gain)}; may fall by {request.RegressionMargin:P1})")));
        return checks;
    }

    private static string Points(double gain) => (gain * 100).ToString("+0.0' points';-0.0' points'", CultureInfo.InvariantCulture);

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One gate's judgement of a candidate.</summary>
/// <param name="Gate">Which gate: <c>traffic</c>, <c>traffic.f1.{label}</c>, <c>regression</c>, or <c>holdout</c> with the traffic gates off.</param>
/// <param name="Passed">Whether the candidate passed it.</param>
/// <param name="Current">The active version's figure (accuracy or F1), where there is one.</param>
/// <param name="Candidate">The candidate's figure.</param>
/// <param name="Limit">The gate's setting: the win required, or the fall allowed.</param>
/// <param name="Summary">The judgement in words, with its figures.</param>
public sealed record GateCheck(string Gate, bool Passed, double? Current, double? Candidate, double Limit, string Summary);

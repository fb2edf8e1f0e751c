using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace IotAi.Grains.Rollouts;

/// <summary>
/// The rollouts active on this silo as gauges: stage, devices by update state, and each gate's value beside its limit,
/// so "did the last rollout help?" reads off a chart. Tagged by model and version, never by device. A rollout shows
/// while its grain is active (all the while it runs, and a while after it ends); each rollout lives on one silo.
/// </summary>
public sealed class RolloutTelemetry
{
    public const string MeterName = "IotAi.Rollouts";

    private readonly ConcurrentDictionary<string, RolloutStatus> _rollouts = new(StringComparer.Ordinal);

    public RolloutTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("iotai.rollout.stage", () => Each(static s => [Measure(s.Stage, s)]),
            "{stage}", "The index of the stage a rollout is in (0 for the first), tagged with its phase");
        meter.CreateObservableGauge("iotai.rollout.targets", () => Each(static s => [Measure(s.Targets, s)]),
            "{device}", "Devices a rollout covers");
        meter.CreateObservableGauge("iotai.rollout.devices", () => Each(static s => s.Devices.Select(d => Measure(d.Value, s, ("iotai.update.state", d.Key)))),
            "{device}", "A rollout's devices by update state: offered, downloading, active, failed, rolledBack…");
        meter.CreateObservableGauge("iotai.rollout.gate.value", () => Each(static s => Gates(s).Select(g => Measure(g.Value, s, ("iotai.gate", g.Name)))),
            description: "Each gate's figure for the current stage: activation is a floor, the others ceilings (see iotai.rollout.gate.limit)");
        meter.CreateObservableGauge("iotai.rollout.gate.limit", () => Each(static s => Gates(s).Select(g => Measure(g.Limit, s, ("iotai.gate", g.Name)))),
            description: "Each gate's limit, as the rollout's plan sets it");
    }

    /// <summary>Shows <paramref name="status"/> as the rollout's latest.</summary>
    public void Observe(RolloutStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _rollouts[status.Id] = status;
    }

    /// <summary>Stops showing a rollout, when its grain deactivates.</summary>
    public void Forget(string id) => _rollouts.TryRemove(id, out _);

    /// <summary>
    /// A rollout's gates with their figures now: activation and failure over the current stage's devices, the fall in
    /// accuracy the live trial on devices the cloud serves found, and the quality figures of the stage's last verdict
    /// (confidence shift, rise in hard examples, accuracy drop, error rate).
    /// </summary>
    public static IEnumerable<(string Name, double Value, double Limit)> Gates(RolloutStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var gates = status.Plan.Gates;
        yield return ("activation", status.ActivationRate, gates.MinActivationRate);
        yield return ("failure", status.FailureRate, gates.MaxFailureRate);
        if (gates.Quality is not { } quality)
        {
            yield break;
        }

        if (status.Live is { Tally: { CandidateAccuracy: { } live, BaselineAccuracy: { } replaced } })
        {
            yield return ("live_accuracy_drop", replaced - live, quality.MaxLiveAccuracyDrop);
        }

        if (status.Quality is not { } verdict)
        {
            yield break;
        }

        var (candidate, baseline) = (verdict.Candidate, verdict.Baseline);
        yield return ("error_rate", candidate.ErrorRate, quality.MaxErrorRate);
        if (baseline.Samples > 0 && candidate.Samples > 0)
        {
            yield return ("confidence_shift", candidate.ShiftBelow(baseline), quality.MaxConfidenceShift);
            yield return ("hard_increase", candidate.HardRate - baseline.HardRate, quality.MaxHardExampleIncrease);
        }

        if (candidate.Accuracy is { } now && baseline.Accuracy is { } before)
        {
            yield return ("accuracy_drop", before - now, quality.MaxAccuracyDrop);
        }
    }

    private IEnumerable<Measurement<double>> Each(Func<RolloutStatus, IEnumerable<Measurement<double>>> measure) => _rollouts.Values.SelectMany(measure);

    private static Measurement<double> Measure(double value, RolloutStatus status, (string Key, object Value)? extra = null)
    {
        KeyValuePair<string, object?>[] tags = extra is { } e
            ? [new("iotai.model", status.Plan.Model), new("iotai.model.version", status.Plan.Version), new("iotai.rollout.phase", status.Phase.ToString()), new(e.Key, e.Value)]
            : [new("iotai.model", status.Plan.Model), new("iotai.model.version", status.Plan.Version), new("iotai.rollout.phase", status.Phase.ToString())];
        return new Measurement<double>(value, tags);
    }
}

using IotAi.Grains.Rollouts;

namespace IotAi.Gateway.Http.Dashboard;

/// <summary>What <c>GET /api/dashboard/summary</c> answers: the fleet, models and rollouts now, and the recent history behind the charts.</summary>
internal sealed record DashboardSummary(
    DateTimeOffset At, FleetFigures Fleet, IReadOnlyList<ModelFigures> Models, IReadOnlyList<RolloutFigures> Rollouts, IReadOnlyList<DashboardSample> History);

/// <summary>
/// The fleet as the device twins tell it: devices the cluster has met, those connected now, and this silo's uplink rate.
/// <paramref name="Scanned"/> is how many twins were read; past <see cref="FleetScan.MaxTwins"/> the figures cover a sample.
/// </summary>
internal sealed record FleetFigures(int Known, int Connected, int Scanned, double MessagesPerSecond, long MessagesIn);

/// <summary>
/// One model: its active version, every registered version's state, how many devices report running each version
/// (the version the device's edge agent runs, else the one the cloud answers it with; <c>unreported</c> for devices
/// neither has answered), its confidence drift, where devices sent labels the active version's accuracy as the edge
/// agents report it, and each version's live accuracy on this silo's graded answers (<see cref="IotAi.Learning.LiveAccuracy"/>).
/// </summary>
internal sealed record ModelFigures(
    string Name, string Kind, string? ActiveVersion, IReadOnlyDictionary<string, string> Versions, IReadOnlyDictionary<string, int> Devices, double? DriftPsi, double? Accuracy,
    IReadOnlyDictionary<string, double> LiveAccuracy);

/// <summary>
/// One rollout: its phase and stage, its devices by update state, its quality gate's last verdict, and where the cloud
/// serves devices, the live trial's: how the version and the one it replaces answered the same labelled uplinks.
/// </summary>
internal sealed record RolloutFigures(
    string Id, string Model, string Version, string Phase, string Stage, int StageIndex, int Stages, int Targets,
    IReadOnlyDictionary<string, int> Devices, double ActivationRate, double FailureRate, string? Verdict, string? Reason,
    string? LiveVerdict = null, string? LiveBaseline = null, double? LiveAccuracy = null, double? LiveBaselineAccuracy = null, long LivePairs = 0)
{
    public static RolloutFigures Of(RolloutStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var stages = status.Plan.Stages;
        var stage = stages.Count == 0 ? "" : stages[Math.Clamp(status.Stage, 0, stages.Count - 1)].Name;
        var verdict = status.Quality is { } q ? $"{q.Outcome}: {q.Summary}" : null;
        var live = status.Live;
        return new(status.Id, status.Plan.Model, status.Plan.Version, status.Phase.ToString(), stage, status.Stage, stages.Count, status.Targets,
            status.Devices, status.ActivationRate, status.FailureRate, verdict, status.Reason,
            live is null ? null : $"{live.Outcome}: {live.Summary}", live?.Baseline, live?.Tally.CandidateAccuracy, live?.Tally.BaselineAccuracy, live?.Tally.Pairs ?? 0);
    }
}

/// <summary>
/// One point of the charts' history: throughput and latency on this silo, connected devices, each model's drift and
/// accuracy at that moment, and each model version's live accuracy over the answers graded since the point before
/// (keyed <c>{model} v{version}</c>; during a rollout, the old and the new version side by side). Latencies are
/// milliseconds; null where nothing was timed since the point before.
/// </summary>
internal sealed record DashboardSample(
    DateTimeOffset At, double MessagesPerSecond, int Connected, Percentiles? Uplink, Percentiles? Inference,
    IReadOnlyDictionary<string, double> DriftPsi, IReadOnlyDictionary<string, double> Accuracy, IReadOnlyDictionary<string, double> LiveAccuracy);

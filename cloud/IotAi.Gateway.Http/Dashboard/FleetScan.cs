using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Learning;
using IotAi.Models;

namespace IotAi.Gateway.Http.Dashboard;

/// <summary>
/// Reads the cluster for the dashboard: the device directory and each device's twin (connected or not, which model
/// versions it runs, how they answered), the model registry, the drift watch, this silo's live accuracy and the rollouts.
/// </summary>
internal sealed class FleetScan(IGrainFactory grains, ModelRegistry registry, ConfidenceDrift drift, LiveAccuracy accuracy)
{
    /// <summary>The most twins one scan reads; a larger fleet is summed over its first devices by id.</summary>
    public const int MaxTwins = 2000;

    /// <summary>The most rollouts shown, the last by id (ids end with their start time).</summary>
    public const int MaxRollouts = 12;

    private const string Unreported = "unreported";

    public async Task<FleetSnapshot> ScanAsync(CancellationToken cancellationToken)
    {
        var known = await grains.GetGrain<IDeviceDirectoryGrain>(0).FindAsync(new Dictionary<string, string>());
        var twins = await Task.WhenAll(known.Take(MaxTwins).Select(id => grains.GetGrain<IDeviceGrain>(id).GetTwinAsync())).WaitAsync(cancellationToken);
        var running = twins.Select(static t => (t, RunningModel.Of(t.Reported, t.ModelVersions))).ToList();
        var live = accuracy.All();
        var models = registry.List().GroupBy(static m => m.Name, StringComparer.Ordinal).OrderBy(static g => g.Key, StringComparer.Ordinal)
            .Select(g => Figures(g.Key, [.. g], running, live)).ToList();
        var rolloutIds = await grains.GetGrain<IRolloutIndexGrain>(0).ListAsync();
        var statuses = await Task.WhenAll(rolloutIds.TakeLast(MaxRollouts).Select(id => grains.GetGrain<IRolloutGrain>(id).GetStatusAsync()));
        var rollouts = statuses.OfType<RolloutStatus>().Select(RolloutFigures.Of).Reverse().ToList();
        return new FleetSnapshot(known.Count, twins.Count(static t => t.Connected), twins.Length, models, rollouts);
    }

    private ModelFigures Figures(
        string name, IReadOnlyList<RegisteredModel> versions, IReadOnlyList<(DeviceTwin Twin, Dictionary<string, RunningModel> Running)> twins, IReadOnlyList<VersionAccuracy> live)
    {
        var active = versions.FirstOrDefault(static v => v.State == ModelState.Active);
        var devices = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var quality = QualityStats.Empty;
        foreach (var (twin, running) in twins)
        {
            var version = running.TryGetValue(name, out var v) ? v.Version : Unreported;
            devices[version] = devices.GetValueOrDefault(version) + 1;
            if (active is not null && twin.Quality.TryGetValue(name, out var reports) && reports.LastOrDefault(r => r.Version == active.Version) is { } report)
            {
                quality = quality.Add(report.Stats);
            }
        }

        return new ModelFigures(name, (active ?? versions[0]).Manifest.Kind.ToString(), active?.Version,
            versions.ToDictionary(static v => v.Version, static v => v.State.ToString(), StringComparer.Ordinal),
            devices, drift.Psi(name), quality.Accuracy,
            live.Where(v => v.Model == name && v.Now.Graded > 0).ToDictionary(static v => v.Version, static v => v.Now.Accuracy, StringComparer.Ordinal));
    }
}

/// <summary>One scan of the cluster: the fleet's size, its models and its rollouts.</summary>
internal sealed record FleetSnapshot(int Known, int Connected, int Scanned, IReadOnlyList<ModelFigures> Models, IReadOnlyList<RolloutFigures> Rollouts);

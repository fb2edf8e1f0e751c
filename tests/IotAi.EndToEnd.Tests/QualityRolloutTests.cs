using System.Diagnostics.Metrics;
using IotAi.Tests.Shared;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// The quality gates, on real edge agents that answer every reading with their own model: a version that
/// loads and runs but whose confidence collapses is rolled back by itself, while a sound one goes through.
/// </summary>
[Collection(SiloGroup.Name)]
public sealed class QualityRolloutTests(SiloFixture silo) : IAsyncLifetime
{
    private const int FleetSize = 20;
    private readonly string _fleet = $"qual-{Guid.NewGuid():N}"[..13];
    private AgentFleet? _agents;

    private static readonly RolloutStage[] Stages = [new("canary", 25), new("all", 100)];

    // Fewer answers than the default asks, so the test needs only seconds of readings.
    private static readonly RolloutGates Gates = RolloutGates.Default with { Quality = QualityGates.Default with { MinSamples = 40 } };

    private string Model => $"{_fleet}-model";

    private IEnumerable<string> DeviceIds => Enumerable.Range(0, FleetSize).Select(i => $"{_fleet}-{i:D2}");

    public async Task InitializeAsync()
    {
        var keys = silo.Host.Services.GetRequiredService<ModelKeyring>();
        var registry = silo.Host.Services.GetRequiredService<ModelRegistry>();
        var sensor = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model }, sensor.Onnx, keys.Signer));
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model, Version = "2" }, CollapsedSensorModel.Train(), keys.Signer));
        registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model, Version = "3" }, sensor.Onnx, keys.Signer));
        _agents = await AgentFleet.StartAsync(silo, DeviceIds, new Dictionary<string, string?>
        {
            ["SensorInterval"] = "00:00:00.050",
            ["QualityReportInterval"] = "00:00:00.200",
        });
    }

    [Fact]
    public async Task A_version_whose_confidence_collapses_is_rolled_back_and_a_sound_one_goes_through()
    {
        await RollOutAsync("1", RolloutPhase.Completed);
        await WaitForAnswersAsync("1", since: DateTimeOffset.MinValue);

        var collapsed = await RollOutAsync("2", RolloutPhase.RolledBack);

        Assert.Equal(0, collapsed.Stage);
        Assert.Contains("confidence collapsed", collapsed.Reason, StringComparison.Ordinal);
        var verdict = collapsed.Quality!;
        Assert.Equal(QualityOutcome.Failed, verdict.Outcome);
        Assert.InRange(verdict.Candidate.MeanConfidence, 0.4, 0.65);
        Assert.InRange(verdict.Baseline.MeanConfidence, 0.85, 1.0);
        await AssertEveryDeviceRunsAsync("1");

        // Operators see the same on the rollout gauges: the confidence gate past its limit, the devices rolled back.
        using var metrics = new ScopedMeasurements(silo.Host.Services.GetRequiredService<IMeterFactory>(), "iotai.rollout.gate.value", "iotai.rollout.gate.limit", "iotai.rollout.devices");
        (string, string)[] collapsedGate = [("iotai.model", Model), ("iotai.model.version", "2"), ("iotai.rollout.phase", "RolledBack"), ("iotai.gate", "confidence_shift")];
        Assert.Equal(verdict.Candidate.ShiftBelow(verdict.Baseline), metrics.Gauge("iotai.rollout.gate.value", collapsedGate));
        Assert.Equal(Gates.Quality!.MaxConfidenceShift, metrics.Gauge("iotai.rollout.gate.limit", collapsedGate));
        Assert.Equal(collapsed.Devices[RolloutGrain.RolledBackState], metrics.Gauge("iotai.rollout.devices", ("iotai.model", Model), ("iotai.model.version", "2"), ("iotai.update.state", RolloutGrain.RolledBackState)));

        // The same graph as version 1 under a new version number: as sure as before, so the gates let it through.
        await WaitForAnswersAsync("1", since: DateTimeOffset.UtcNow);
        var sound = await RollOutAsync("3", RolloutPhase.Completed);

        Assert.Equal(QualityOutcome.Passed, sound.Quality!.Outcome);
        Assert.DoesNotContain("no baseline", sound.Quality.Summary, StringComparison.Ordinal);
        await AssertEveryDeviceRunsAsync("3");
    }

    private async Task<RolloutStatus> RollOutAsync(string version, RolloutPhase end)
    {
        var rollout = silo.Host.Grains.GetGrain<IRolloutGrain>($"{_fleet}-v{version}");
        await rollout.StartAsync(new RolloutPlan(Model, version, new RolloutTarget([.. DeviceIds]), Stages, Gates));
        RolloutStatus? status = null;
        await Eventually.TrueAsync(async () => (status = await rollout.GetStatusAsync())!.Phase == end, $"the rollout of version {version} did not end {end}");
        return status!;
    }

    /// <summary>Waits until every device has reported answers of <paramref name="version"/> given after <paramref name="since"/>.</summary>
    private async Task WaitForAnswersAsync(string version, DateTimeOffset since)
    {
        foreach (var id in DeviceIds)
        {
            var device = silo.Host.Grains.GetGrain<IDeviceGrain>(id);
            await Eventually.TrueAsync(async () => (await device.GetModelQualityAsync(Model)).Any(q => q.Version == version && q.At > since && q.Stats.Samples >= 10),
                $"{id} reported no answers of version {version}");
        }
    }

    private async Task AssertEveryDeviceRunsAsync(string version)
    {
        Assert.All(_agents!.Agents, a => Assert.Equal(version, a.Models.Active(Model)?.Manifest.Version));
        foreach (var id in DeviceIds)
        {
            var update = (await silo.Host.Grains.GetGrain<IDeviceGrain>(id).GetTwinAsync()).ModelUpdates[Model];
            Assert.Equal((version, ModelUpdateStates.Active), (update.Version, update.State));
        }
    }

    public async Task DisposeAsync()
    {
        if (_agents is not null)
        {
            await _agents.DisposeAsync();
        }
    }
}

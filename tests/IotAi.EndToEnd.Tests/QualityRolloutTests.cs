using System.Diagnostics.Metrics;
using System.Globalization;
using IotAi.Edge.Twin;
using IotAi.Tests.Shared;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// The quality gates, on real edge agents that answer every reading with their own model: a version that loads, warms up
/// and runs on the canary, and only then goes wrong there, is rolled back by itself from the canary, the only devices that
/// were offered it, while a sound one goes through. It goes wrong by answering with collapsed confidence, or by failing
/// on the readings it is given: on every device, or only on those that run hot, since the stage's errors are summed.
/// </summary>
[Collection(SiloGroup.Name)]
public sealed class QualityRolloutTests(SiloFixture silo, ITestOutputHelper output) : IAsyncLifetime
{
    private const int FleetSize = 20;

    /// <summary>Degrees added to a hot device's temperatures: about 125 °C where the others read about 45 °C (81 °C at most).</summary>
    private const string HotDrift = "80";

    // Fewer answers than the default asks, so the test needs only seconds of readings; a stage that never gets them times
    // out well within the test's wait.
    private static readonly RolloutGates Gates = RolloutGates.Default with
    {
        StageTimeout = TimeSpan.FromMinutes(2),
        Quality = QualityGates.Default with { MinSamples = 40 },
    };

    private readonly string _fleet = $"qual-{Guid.NewGuid():N}"[..13];
    private AgentFleet? _agents;
    private FleetRollouts? _rollouts;

    private string Model => $"{_fleet}-model";

    private IReadOnlyList<string> DeviceIds => [.. Enumerable.Range(0, FleetSize).Select(i => $"{_fleet}-{i:D2}")];

    private ModelRegistry Registry => silo.Host.Services.GetRequiredService<ModelRegistry>();

    private ModelSigner Signer => silo.Host.Services.GetRequiredService<ModelKeyring>().Signer;

    /// <summary>Starts the fleet and rolls version 1, the shipped sensor model, out to it: the version every test goes back to.</summary>
    public async Task InitializeAsync()
    {
        var sensor = Registry.Open("sensor-anomaly", "1");
        Registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model }, sensor.Onnx, Signer));
        _agents = await AgentFleet.StartAsync(silo, DeviceIds, new Dictionary<string, string?>
        {
            ["SensorInterval"] = "00:00:00.100",
            ["QualityReportInterval"] = "00:00:00.200",
        });
        _rollouts = new FleetRollouts(silo.Host, Model, DeviceIds, _agents);
        await _rollouts.RollOutAsync("1", FleetRollouts.CanaryThenAll, Gates, RolloutPhase.Completed);
        await _rollouts.WaitForAnswersAsync("1", since: DateTimeOffset.MinValue);
    }

    [Fact]
    public async Task A_version_whose_confidence_collapses_is_rolled_back_and_a_sound_one_goes_through()
    {
        var sensor = Registry.Open(Model, "1");
        Registry.Import(ModelPackage.Create(sensor.Manifest with { Version = "2" }, CollapsedSensorModel.Train(), Signer));
        Registry.Import(ModelPackage.Create(sensor.Manifest with { Version = "3" }, sensor.Onnx, Signer));

        RolloutStatus collapsed;
        using (var offers = new RecordedOffers(Model))
        {
            collapsed = await _rollouts!.RollOutAsync("2", FleetRollouts.CanaryThenAll, Gates, RolloutPhase.RolledBack);
            output.WriteLine($"v2: {await _rollouts.AssertRolledBackFromCanaryAsync(offers, "2", "1")}; {collapsed.Reason}");
        }

        Assert.Equal(0, collapsed.Stage);
        Assert.Contains("confidence collapsed", collapsed.Reason, StringComparison.Ordinal);
        var verdict = collapsed.Quality!;
        Assert.Equal(QualityOutcome.Failed, verdict.Outcome);
        Assert.InRange(verdict.Candidate.MeanConfidence, 0.4, 0.65);
        Assert.InRange(verdict.Baseline.MeanConfidence, 0.85, 1.0);

        // Operators see the same on the rollout gauges: the confidence gate past its limit, the devices rolled back.
        using var metrics = new ScopedMeasurements(silo.Host.Services.GetRequiredService<IMeterFactory>(), "iotai.rollout.gate.value", "iotai.rollout.gate.limit", "iotai.rollout.devices");
        (string, string)[] collapsedGate = [("iotai.model", Model), ("iotai.model.version", "2"), ("iotai.rollout.phase", "RolledBack"), ("iotai.gate", "confidence_shift")];
        Assert.Equal(verdict.Candidate.ShiftBelow(verdict.Baseline), metrics.Gauge("iotai.rollout.gate.value", collapsedGate));
        Assert.Equal(Gates.Quality!.MaxConfidenceShift, metrics.Gauge("iotai.rollout.gate.limit", collapsedGate));
        Assert.Equal(collapsed.Devices[RolloutGrain.RolledBackState], metrics.Gauge("iotai.rollout.devices", ("iotai.model", Model), ("iotai.model.version", "2"), ("iotai.update.state", RolloutGrain.RolledBackState)));

        // The same graph as version 1 under a new version number: as sure as before, so the gates let it through.
        await _rollouts.WaitForAnswersAsync("1", since: DateTimeOffset.UtcNow);
        var sound = await _rollouts.RollOutAsync("3", FleetRollouts.CanaryThenAll, Gates, RolloutPhase.Completed);

        Assert.Equal(QualityOutcome.Passed, sound.Quality!.Outcome);
        Assert.DoesNotContain("no baseline", sound.Quality.Summary, StringComparison.Ordinal);
        await _rollouts.AssertEveryDeviceRunsAsync("3");
    }

    [Fact]
    public async Task Versions_that_fail_at_inference_once_running_are_rolled_back_from_the_canary_alone()
    {
        // Version 2 fails on every reading (each is above 0 °C), though not on the zeros an agent warms a model up with.
        var (everywhere, canary) = await RollOutBrittleAsync("2", celsius: 0);

        Assert.Equal((0L, true), (everywhere.Quality!.Candidate.Samples, everywhere.Quality.Candidate.Errors >= Gates.Quality!.MinSamples));

        // Version 3 fails only on readings above 100 °C, and three of the canary's devices, and two outside it, run hot.
        // The rollout orders its targets the same way each time, so the same devices make its canary.
        var hot = canary.Order(StringComparer.Ordinal).Where((_, i) => i % 2 == 0).Concat(DeviceIds.Except(canary).Take(2)).ToList();
        await RunHotAsync(hot);
        await _rollouts!.WaitForAnswersAsync("1", since: DateTimeOffset.UtcNow);
        var (some, sameCanary) = await RollOutBrittleAsync("3", celsius: 100);

        Assert.Equal(canary.Order(StringComparer.Ordinal), sameCanary.Order(StringComparer.Ordinal));
        foreach (var id in canary)
        {
            // Hot devices failed on every reading; the others answered every one, and were taken off the version all the same.
            var stats = await _rollouts.QualityAsync(id, "3");
            Assert.True(hot.Contains(id) ? stats is { Samples: 0, Errors: > 0 } : stats is { Samples: > 0, Errors: 0 },
                $"{id} ({(hot.Contains(id) ? "hot" : "cool")}) answered {stats.Samples} readings with version 3 and failed on {stats.Errors}");
        }

        Assert.True(some.Quality!.Candidate is { Samples: > 0, Errors: > 0 } partial && partial.ErrorRate > Gates.Quality.MaxErrorRate);

        // Hot devices outside the canary kept answering with version 1, which takes their readings.
        foreach (var id in hot.Except(canary))
        {
            Assert.Equal(0, (await _rollouts.QualityAsync(id, "1")).Errors);
        }
    }

    /// <summary>
    /// Rolls out a <see cref="BrittleSensorModel"/> that fails on readings above <paramref name="celsius"/>, waits for the
    /// error gate to roll it back from the canary, and asserts that each canary device ran it and then version 1 again,
    /// and that no other device was offered anything. Returns the rollout's end and its canary.
    /// </summary>
    private async Task<(RolloutStatus Status, IReadOnlySet<string> Canary)> RollOutBrittleAsync(string version, float celsius)
    {
        using var offers = new RecordedOffers(Model);
        Registry.Import(BrittleSensorModel.Create(Registry.Open(Model, "1"), version, celsius, Signer));

        var status = await _rollouts!.RollOutAsync(version, FleetRollouts.CanaryThenAll, Gates, RolloutPhase.RolledBack);

        Assert.Equal(0, status.Stage);
        Assert.Contains("of samples at the edge", status.Reason, StringComparison.Ordinal);
        Assert.Equal(_rollouts.CanarySize, status.Devices[RolloutGrain.RolledBackState]);
        var rollback = await _rollouts.AssertRolledBackFromCanaryAsync(offers, version, "1");
        output.WriteLine($"v{version}: {rollback}; {status.Reason}");
        return (status, rollback.Canary);
    }

    /// <summary>Shifts <paramref name="deviceIds"/>' temperatures by <see cref="HotDrift"/>, and waits until each agent has applied it.</summary>
    private async Task RunHotAsync(IEnumerable<string> deviceIds)
    {
        foreach (var id in deviceIds)
        {
            var device = silo.Host.Grains.GetGrain<IDeviceGrain>(id);
            await device.SetDesiredAsync(new Dictionary<string, string> { [LiveSettings.SensorDriftName] = HotDrift });
            await Eventually.TrueAsync(async () => (await device.GetTwinAsync()) is var twin && twin.Reported.GetValueOrDefault("desiredVersion") == twin.DesiredVersion.ToString(CultureInfo.InvariantCulture),
                $"{id} did not apply its drift");
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

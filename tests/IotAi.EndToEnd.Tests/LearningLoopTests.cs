using IotAi.Client;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Learning;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// The closed loop on a small fleet of real edge agents: the world drifts and the agents' own accuracy falls;
/// the silo, having kept and labelled what they sent, retrains, the candidate passes the gate and is rolled
/// out, and the agents' accuracy comes back.
/// </summary>
public sealed class LearningLoopTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Model = "sensor-anomaly";
    private const int FleetSize = 6;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-loop-");
    private GatewayHost _silo = null!;
    private AgentFleet _fleet = null!;

    private static IEnumerable<string> DeviceIds => Enumerable.Range(0, FleetSize).Select(i => $"loop-{i}");

    public async Task InitializeAsync()
    {
        _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
        {
            // A generous random share, so the kept samples show the ordinary case as well as the striking ones.
            ["Learning:Capture:Default:RandomFraction"] = "0.3",
            ["Learning:Capture:Default:PerDevicePerHour"] = "100000",
            // A tenth of the traffic kept apart to judge candidates on.
            ["Learning:Capture:Default:EvaluationFraction"] = "0.1",
        });
        _fleet = await AgentFleet.StartAsync(_silo, DeviceIds, new Dictionary<string, string?>
        {
            ["SensorInterval"] = "00:00:00.020",
            ["QualityReportInterval"] = "00:00:00.200",
            ["JointInference"] = "All",
            ["SendTruth"] = "true",
        });
    }

    [Fact]
    public async Task Drift_drops_edge_accuracy_and_a_retrained_model_rolled_out_brings_it_back()
    {
        await RollOutAsync("1", "initial");
        var before = await EdgeAccuracyAsync("1", since: null, minimum: 600);

        await DesireAsync("sensorDrift", "12");
        var atDrift = await QualityAsync("1");
        var drifted = await EdgeAccuracyAsync("1", since: atDrift, minimum: 600);
        Assert.True(drifted < before - 0.1, $"accuracy only went from {before:P1} to {drifted:P1} under drift");

        // Enough of the drifted world kept and labelled by the devices, then a run by hand.
        var store = _silo.Services.GetRequiredService<FileSampleStore>();
        await Eventually.TrueAsync(() => Task.FromResult(store.List(Model, labelled: true).Count >= 1500), "too few labelled samples were kept", seconds: 120);
        // Through the typed client, as an operator's tooling would; the silo's shared HttpClient stays the test's to dispose.
        var api = new IotAiClient(_silo.Http);
        var runId = (await api.StartTrainingAsync(new { model = Model, minSamples = 200, rollout = false })).GetProperty("runId").GetString()!;
        JsonElement run = default;
        await Eventually.TrueAsync(async () => (run = await api.GetTrainingAsync(runId)).GetProperty("state").GetString() != "running",
            "the training run did not finish", seconds: 120);
        Assert.Equal("registered", run.GetProperty("state").GetString());
        var version = run.GetProperty("outcome").GetProperty("registeredVersion").GetString()!;

        await RollOutAsync(version, "retrained");
        var after = await EdgeAccuracyAsync(version, since: null, minimum: 600);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"edge accuracy: {before:P1} before drift, {drifted:P1} under drift with v1, {after:P1} with v{version}; {run.GetProperty("progress").GetString()}"));
        Assert.True(after >= 0.95 * before, $"accuracy came back to {after:P1}, short of 95 % of {before:P1}");

        // The new version's lineage leads to its snapshot, and the snapshot to kept, labelled samples.
        var lineage = _silo.Services.GetRequiredService<ModelRegistry>().Find(Model, version)!.Manifest.Lineage!;
        Assert.Equal(("1", runId), (lineage.ParentVersion, lineage.TrainingRun));
        var snapshot = new DatasetStore(Path.Combine(_data.FullName, "datasets")).Find(Model, lineage.DatasetSnapshot!)!;
        Assert.All(snapshot.Samples.Take(50), s => Assert.Equal(s.Label, store.Find(s.Id)!.Label));
    }

    private async Task RollOutAsync(string version, string name)
    {
        var rollout = _silo.Grains.GetGrain<IRolloutGrain>($"loop-{name}");
        await rollout.StartAsync(new RolloutPlan(Model, version, new RolloutTarget([.. DeviceIds]), [new RolloutStage("all", 100)],
            RolloutGates.Default with { Quality = QualityGates.Default with { MinSamples = 200 } }));
        RolloutStatus? status = null;
        await Eventually.TrueAsync(async () => (status = await rollout.GetStatusAsync())!.Phase is not (RolloutPhase.Running or RolloutPhase.Paused),
            $"the rollout of {version} did not end");
        Assert.True(status!.Phase == RolloutPhase.Completed, $"the rollout of {version} ended {status.Phase}: {status.Reason}");
    }

    private async Task DesireAsync(string name, string value)
    {
        foreach (var id in DeviceIds)
        {
            await _silo.Grains.GetGrain<IDeviceGrain>(id).SetDesiredAsync(new Dictionary<string, string> { [name] = value });
        }

        foreach (var id in DeviceIds)
        {
            var device = _silo.Grains.GetGrain<IDeviceGrain>(id);
            await Eventually.TrueAsync(async () => (await device.GetTwinAsync()).Reported.GetValueOrDefault(name) == value, $"{id} did not apply {name}");
        }
    }

    /// <summary>The fleet's figures for <paramref name="version"/> as the devices last reported them, summed.</summary>
    private async Task<QualityStats> QualityAsync(string version)
    {
        var total = QualityStats.Empty;
        foreach (var id in DeviceIds)
        {
            var mine = (await _silo.Grains.GetGrain<IDeviceGrain>(id).GetModelQualityAsync(Model)).FirstOrDefault(q => q.Version == version);
            total = mine is null ? total : total.Add(mine.Stats);
        }

        return total;
    }

    /// <summary>Edge-measured accuracy of <paramref name="version"/> over the answers given since <paramref name="since"/>, once there are <paramref name="minimum"/> of them.</summary>
    private async Task<double> EdgeAccuracyAsync(string version, QualityStats? since, int minimum)
    {
        var start = since ?? QualityStats.Empty;
        QualityStats now = start;
        await Eventually.TrueAsync(async () => (now = await QualityAsync(version)).Labeled - start.Labeled >= minimum,
            string.Create(CultureInfo.InvariantCulture, $"the fleet did not report {minimum} answers of version {version}"));
        return (double)(now.Correct - start.Correct) / (now.Labeled - start.Labeled);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

using IotAi.Grains.Rollouts;
using IotAi.Models;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Rollouts to devices that run no model of their own (they report <c>ota: none</c>) and are answered by the cloud. The
/// rollout puts each on trial: the new version shadows the old on every device, answers those in the stages reached, and
/// both are graded on the uplinks that carry their truth. A version that answers worse rolls itself back; one as good goes
/// through, and for the whole fleet becomes the version the cloud answers with.
/// </summary>
public sealed class CloudServedRolloutTests : IAsyncLifetime
{
    private const string Model = "sensor-anomaly";
    private const int Fleet = 10;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-cloud-rollout-");
    private readonly List<CloudServedDevice> _devices = [];
    private GatewayHost _silo = null!;

    private static readonly RolloutStage[] Stages = [new("canary", 20), new("all", 100)];

    // Fewer labelled uplinks than the default asks, so each stage needs only seconds of traffic.
    private static readonly RolloutGates Gates = RolloutGates.Default with { Quality = QualityGates.Default with { MinSamples = 60 } };

    private ModelRegistry Registry => _silo.Services.GetRequiredService<ModelRegistry>();

    public async Task InitializeAsync()
    {
        _silo = await GatewayHost.StartAsync(_data.FullName);
        var signer = _silo.Services.GetRequiredService<ModelKeyring>().Signer;
        var v1 = Registry.Open(Model, "1");
        Registry.Import(ModelPackage.Create(v1.Manifest with { Version = "2" }, CollapsedSensorModel.Train(), signer));
        Registry.Import(ModelPackage.Create(v1.Manifest with { Version = "3" }, v1.Onnx, signer));
        Registry.Import(ModelPackage.Create(v1.Manifest with { Version = "4" }, v1.Onnx, signer));
        // Signed and registered, but a graph cut short: it never loads.
        Registry.Import(ModelPackage.Create(v1.Manifest with { Version = "5" }, v1.Onnx[..(v1.Onnx.Length / 2)], signer));
    }

    [Fact]
    public async Task A_worse_version_answers_the_canary_loses_to_the_old_one_on_labelled_uplinks_and_rolls_itself_back()
    {
        await StartFleetAsync(truth: true);

        var status = await RollOutAsync("worse", "2", new RolloutTarget([.. _devices.Select(static d => d.Id)]));

        Assert.Equal((RolloutPhase.RolledBack, 0), (status.Phase, status.Stage));
        Assert.Contains("worse than the version it replaces", status.Reason, StringComparison.Ordinal);
        var live = status.Live!;
        Assert.Equal((QualityOutcome.Failed, "1"), (live.Outcome, live.Baseline));
        Assert.True(live.Tally.Pairs >= 60, $"judged on {live.Tally.Pairs} pairs");
        Assert.True(live.Tally.CandidateAccuracy < live.Tally.BaselineAccuracy - 0.1, live.Summary);
        Assert.Equal("1", Registry.Active(Model)!.Version);

        // The canary's two devices were answered by the new version; after the rollback every device is answered by the old one.
        Assert.Equal(2, _devices.Count(static d => d.Answered.Contains("2")));
        await EveryDeviceAnsweredByAsync("1");
    }

    [Fact]
    public async Task A_version_as_good_as_the_old_one_goes_through_and_a_rollout_to_some_devices_leaves_the_rest_on_the_active_version()
    {
        await StartFleetAsync(truth: true);
        var some = _devices.Take(5).Select(static d => d.Id).ToList();

        var partial = await RollOutAsync("some", "3", new RolloutTarget(some));

        Assert.Equal(RolloutPhase.Completed, partial.Phase);
        Assert.Equal(QualityOutcome.Passed, partial.Live!.Outcome);
        Assert.Equal(partial.Live.Tally.CandidateRight, partial.Live.Tally.BaselineRight);
        Assert.Equal("1", Registry.Active(Model)!.Version);
        await EveryDeviceAnsweredByAsync("3", _devices.Where(d => some.Contains(d.Id)));
        await EveryDeviceAnsweredByAsync("1", _devices.Where(d => !some.Contains(d.Id)));

        // To the whole fleet, it becomes the active version, which the cloud answers every device with.
        var whole = await RollOutAsync("whole", "4", new RolloutTarget());

        Assert.Equal(RolloutPhase.Completed, whole.Phase);
        Assert.Equal(Fleet, whole.Devices[RolloutGrain.CloudServed]);
        Assert.Equal("4", Registry.Active(Model)!.Version);
        await EveryDeviceAnsweredByAsync("4");
    }

    [Fact]
    public async Task A_version_that_fails_costs_no_device_its_answer_and_its_errors_roll_it_back()
    {
        await StartFleetAsync(truth: true);

        var status = await RollOutAsync("broken", "5", new RolloutTarget([.. _devices.Select(static d => d.Id)]));

        Assert.Equal((RolloutPhase.RolledBack, 0), (status.Phase, status.Stage));
        Assert.Contains("v5 failed on 100.0 % of the uplinks it was given", status.Reason, StringComparison.Ordinal);
        Assert.True(status.Live!.Tally.CandidateErrors >= 60, status.Live.Summary);
        // Every uplink was answered all along, by the version in service.
        Assert.All(_devices, d => Assert.DoesNotContain("5", d.Answered));
        await EveryDeviceAnsweredByAsync("1");
    }

    [Fact]
    public async Task Devices_that_send_no_truth_give_nothing_to_compare_and_after_the_wait_the_stages_pass_on_activation_alone()
    {
        await StartFleetAsync(truth: false);
        var gates = Gates with { Quality = Gates.Quality! with { LiveWait = TimeSpan.FromSeconds(2) } };

        var status = await RollOutAsync("blind", "3", new RolloutTarget([.. _devices.Select(static d => d.Id)]), gates);

        Assert.Equal(RolloutPhase.Completed, status.Phase);
        Assert.Equal(0, status.Live!.Tally.Pairs);
        Assert.StartsWith("no labelled uplink to compare v3 with v1 on within 00:00:02", status.Live.Summary, StringComparison.Ordinal);
    }

    private async Task StartFleetAsync(bool truth)
    {
        for (var i = 0; i < Fleet; i++)
        {
            _devices.Add(await CloudServedDevice.StartAsync(_silo, $"cloud-only-{i}", seed: 60 + i, truth));
        }

        // Every device has been answered and is in the device directory, where a rollout finds it.
        await Task.WhenAll(_devices.Select(static d => Eventually.TrueAsync(() => Task.FromResult(!d.Answered.IsEmpty), $"{d.Id} was not answered")));
    }

    private async Task<RolloutStatus> RollOutAsync(string id, string version, RolloutTarget target, RolloutGates? gates = null)
    {
        var rollout = _silo.Grains.GetGrain<IRolloutGrain>(id);
        await rollout.StartAsync(new RolloutPlan(Model, version, target, Stages, gates ?? Gates));
        RolloutStatus? status = null;
        await Eventually.TrueAsync(async () => (status = await rollout.GetStatusAsync())!.Phase is not (RolloutPhase.Running or RolloutPhase.Paused or RolloutPhase.RollingBack),
            $"the rollout of {version} did not end", seconds: 60);
        return status!;
    }

    /// <summary>Waits until the last answer of each device came from <paramref name="version"/>.</summary>
    private Task EveryDeviceAnsweredByAsync(string version, IEnumerable<CloudServedDevice>? devices = null) =>
        Task.WhenAll((devices ?? _devices).Select(d =>
        {
            var since = d.Answered.Count;
            return Eventually.TrueAsync(() => Task.FromResult(d.Answered.Count > since + 2 && d.Answered.Last() == version), $"{d.Id} is not answered by v{version}");
        }));

    public async Task DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }

        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

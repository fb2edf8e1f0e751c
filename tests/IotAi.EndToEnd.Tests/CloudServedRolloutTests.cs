using System.Text;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Devices that run no model of their own (they report <c>ota: none</c>) are answered by the cloud: a rollout
/// has nothing to wait for on them, and once it completes for the whole fleet the cloud answers with its version.
/// </summary>
public sealed class CloudServedRolloutTests : IAsyncLifetime
{
    private const string Model = "sensor-anomaly";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-cloud-rollout-");
    private readonly string[] _devices = [.. Enumerable.Range(0, 3).Select(i => $"cloud-only-{i}")];
    private GatewayHost _silo = null!;

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_data.FullName);

    [Fact]
    public async Task A_whole_fleet_rollout_to_cloud_served_devices_completes_and_makes_its_version_the_one_the_cloud_answers_with()
    {
        var registry = _silo.Services.GetRequiredService<ModelRegistry>();
        var signer = _silo.Services.GetRequiredService<ModelKeyring>().Signer;
        var v1 = registry.Open(Model, "1");
        registry.Import(ModelPackage.Create(v1.Manifest with { Version = "2" }, v1.Onnx, signer));
        registry.Import(ModelPackage.Create(v1.Manifest with { Version = "3" }, v1.Onnx, signer));
        var reported = Encoding.UTF8.GetBytes($"{{\"{ReportedProperties.Ota}\":\"{ReportedProperties.NoModelUpdates}\"}}");
        foreach (var id in _devices)
        {
            var device = _silo.Grains.GetGrain<IDeviceGrain>(id);
            Assert.Equal(UplinkOutcome.Accepted, (await device.ReportAsync(reported, DeviceTopics.Reported(id))).Outcome);
            await device.SetTagsAsync(new Dictionary<string, string>()); // joins the device directory, as a first uplink would
        }

        var whole = await RollOutAsync("whole", "2", new RolloutTarget());
        Assert.Equal(RolloutPhase.Completed, whole.Phase);
        Assert.Equal(_devices.Length, whole.Devices[RolloutGrain.CloudServed]);
        Assert.Equal("2", registry.Active(Model)!.Version);

        // A rollout to some devices only changes nothing for the rest of the fleet's cloud answers.
        var some = await RollOutAsync("some", "3", new RolloutTarget([.. _devices]));
        Assert.Equal(RolloutPhase.Completed, some.Phase);
        Assert.Equal("2", registry.Active(Model)!.Version);
    }

    private async Task<RolloutStatus> RollOutAsync(string id, string version, RolloutTarget target)
    {
        var rollout = _silo.Grains.GetGrain<IRolloutGrain>(id);
        await rollout.StartAsync(new RolloutPlan(Model, version, target, [new RolloutStage("canary", 10), new RolloutStage("all", 100)], RolloutGates.Default));
        RolloutStatus? status = null;
        await Eventually.TrueAsync(async () => (status = await rollout.GetStatusAsync())!.Phase is not (RolloutPhase.Running or RolloutPhase.Paused),
            $"the rollout of {version} did not end", seconds: 60);
        return status!;
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

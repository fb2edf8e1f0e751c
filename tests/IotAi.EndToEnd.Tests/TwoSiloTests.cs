using IotAi.Gateway.Mqtt.Identity;
using IotAi.Grains;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// Two silos, each with its own MQTT broker. The device connects to one while its grain lives on the other:
/// answers come back over the silo that holds the connection, and pushes find it through the downlink observer.
/// </summary>
public sealed class TwoSiloTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-two-silos-");
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // The journal is compacted only by a grain's activation ending (or its silo stopping), so the test sees that alone.
        _cluster = InProcessSilos.Build(2, _data.FullName, gateway: static g => g.StateCompactInterval = TimeSpan.FromHours(1));
        await _cluster.DeployAsync();
    }

    [Fact]
    public async Task A_device_on_one_silo_is_answered_and_reached_by_its_grain_on_the_other()
    {
        var (grainSilo, connectionSilo) = (_cluster.Silos[0], _cluster.Silos[1]);
        var deviceId = $"two-silo-{Guid.NewGuid():N}";
        var grain = _cluster.Client.GetGrain<IDeviceGrain>(deviceId);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, grainSilo.SiloAddress);
        await grain.GetTwinAsync();
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);

        // Enrolled through one silo, proven to the other: the registry is the cluster's, not a silo's.
        var secret = (await grainSilo.ServiceProvider.GetRequiredService<DeviceCredentials>().EnrolAsync(deviceId)).Secret;
        await using var device = await TestDevice.ConnectAsync(InProcessSilos.MqttPort(connectionSilo), deviceId, secret: secret);
        await device.SendTelemetryAsync(seq: 1, temperature: 90);
        var result = await device.NextResultAsync();

        Assert.Equal((1L, "anomaly"), (result.Seq, result.Label));

        var frame = new SyntheticCamera(seed: 21).Next(ImageShape.Square);
        await device.PublishAsync(DeviceTopics.Image(device.Id), frame.Encoded, seq: 2);
        var classified = await device.NextResultAsync();
        Assert.Equal((2L, "image", "shape-classifier"), (classified.Seq, classified.Kind, classified.Model));
        Assert.Contains(classified.Label, ImageShapes.Labels);
        // The connection is recorded with the grain beside the traffic, not before it.
        await Eventually.TrueAsync(async () => (await grain.GetTwinAsync()).Connected, "the grain never learned of the connection", 30);
        Assert.Equal(grainSilo.SiloAddress, await ActivationSiloAsync(grain));

        // Pushed from the grain's silo, delivered by the connection's silo.
        await grain.SetDesiredAsync(new Dictionary<string, string> { ["samplingMs"] = "250" });
        var desired = await device.NextDesiredAsync();
        Assert.Equal(("250", 1L), (desired.Desired["samplingMs"], desired.Version));
    }

    [Fact]
    public async Task A_device_grain_put_away_leaves_its_twin_in_its_files_for_whichever_silo_wakes_it()
    {
        var silo = _cluster.Silos[0];
        var deviceId = $"moving-{Guid.NewGuid():N}";
        var grain = _cluster.Client.GetGrain<IDeviceGrain>(deviceId);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
        await grain.SetTagsAsync(new Dictionary<string, string> { ["site"] = "north-of-the-river" });
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        var files = Path.Combine(_data.FullName, "state", "device", "device");
        Assert.False(Directory.Exists(files) && Directory.EnumerateFiles(files, $"{deviceId}.state.*").Any());

        // The twin is in the silo's journal alone until the activation ends; its end writes it into the device's files,
        // where the next activation reads it on any silo (the journal is compacted hourly here, so nothing else does).
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection([silo.SiloAddress], TimeSpan.Zero);
        await Eventually.TrueAsync(async () => await ActivationSiloAsync(grain) is null, "the grain was not put away", 30);

        var snapshot = Directory.EnumerateFiles(files, $"{deviceId}.state.*").Single();
        Assert.Contains("north-of-the-river", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(snapshot)), StringComparison.Ordinal);
        Assert.Equal("north-of-the-river", (await grain.GetTwinAsync()).Tags["site"]);
    }

    private async Task<SiloAddress?> ActivationSiloAsync(IDeviceGrain grain) =>
        await _cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

using IotAi.Silo;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Gateway.Mqtt;
using IotAi.Grains;
using IotAi.Inference;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            var port = FreePort.Next();
            // Both silos of a cluster share one data directory, as silos on one machine do: one registry, one key.
            silo.Services.AddIotAiSiloServices(new GatewayOptions { DataDirectory = _data.FullName });
            silo.Services.PostConfigure<ModelHostOptions>(static m => m.ShippedImageModel = IotAi.Models.ShippedImageModel.Pixels);
            silo.Services.AddGatewayMqtt();
            silo.Services.Configure<MqttTlsOptions>(static o => o.Enabled = false);
            silo.Services.Configure<MqttIngressOptions>(o =>
            {
                o.Port = port;
                o.BindAddress = "127.0.0.1";
            });
        });
        _cluster = builder.Build();
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
        await using var device = await TestDevice.ConnectAsync(MqttPortOf(connectionSilo), deviceId, secret: secret);
        await device.SendTelemetryAsync(seq: 1, temperature: 90);
        var result = await device.NextResultAsync();

        Assert.Equal((1L, "anomaly"), (result.Seq, result.Label));

        var frame = new SyntheticCamera(seed: 21).Next(ImageShape.Square);
        await device.PublishAsync(DeviceTopics.Image(device.Id), frame.Encoded, seq: 2);
        var classified = await device.NextResultAsync();
        Assert.Equal((2L, "image", "shape-classifier"), (classified.Seq, classified.Kind, classified.Model));
        Assert.Contains(classified.Label, ImageShapes.Labels);
        Assert.True((await grain.GetTwinAsync()).Connected);
        Assert.Equal(grainSilo.SiloAddress, await ActivationSiloAsync(grain));

        // Pushed from the grain's silo, delivered by the connection's silo.
        await grain.SetDesiredAsync(new Dictionary<string, string> { ["samplingMs"] = "250" });
        var desired = await device.NextDesiredAsync();
        Assert.Equal(("250", 1L), (desired.Desired["samplingMs"], desired.Version));
    }

    private static int MqttPortOf(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<MqttIngress>().Port;

    private async Task<SiloAddress?> ActivationSiloAsync(IDeviceGrain grain) =>
        await _cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

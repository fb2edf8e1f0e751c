using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Mqtt.Cluster;
using IotAi.Gateway.Mqtt.Identity;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace IotAi.Conformance.Tests;

/// <summary>
/// A cluster of three silos, each with its own MQTT listener, as three pods behind one Service: a client may land on any
/// of them, and the silos must act as one broker for everything outside <c>devices/</c>. Authentication is off.
/// </summary>
public sealed class ThreeSilos : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-three-silos-");
    private InProcessTestCluster _cluster = null!;

    public int Port(int silo) => InProcessSilos.MqttPort(_cluster.Silos[silo]);

    public ClusterBroker Broker(int silo) => _cluster.Silos[silo].ServiceProvider.GetRequiredService<ClusterBroker>();

    public IGrainFactory Grains => _cluster.Client;

    /// <summary>Starts a fourth silo in the cluster, as a scaled-up Deployment would; the test stops it again.</summary>
    public async Task<InProcessSiloHandle> StartAnotherAsync()
    {
        var silo = await _cluster.StartAdditionalSiloAsync();
        await Eventually.TrueAsync(() => Task.FromResult(silo.ServiceProvider.GetRequiredService<ClusterBroker>().OtherSilos == 3), "the new silo's broker did not find the others", 60);
        return silo;
    }

    public Task StopAsync(InProcessSiloHandle silo) => _cluster.StopSiloAsync(silo);

    public async Task InitializeAsync()
    {
        _cluster = InProcessSilos.Build(3, _data.FullName, static services =>
        {
            services.Configure<DeviceAuthenticationOptions>(static o => o.Mode = AuthenticationMode.None);
            // Reports every half second, so a silo learns of the others' members within the test's patience.
            services.Configure<MqttIngressOptions>(static o => o.ClusterReportInterval = TimeSpan.FromMilliseconds(500));
        });
        await _cluster.DeployAsync();
        await Eventually.TrueAsync(() => Task.FromResult(Enumerable.Range(0, 3).All(s => Broker(s).OtherSilos == 2)), "the silos' brokers did not find each other", 60);
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class ThreeSilosGroup : ICollectionFixture<ThreeSilos>
{
    public const string Name = "three silos";
}

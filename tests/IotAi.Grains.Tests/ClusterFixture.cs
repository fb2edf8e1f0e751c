using IotAi.Gateway.Hosting;
using IotAi.Grains;
using IotAi.Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace IotAi.Grains.Tests;

/// <summary>One in-process silo with the shipped models and file grain state in a temporary directory, shared by a collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-grains-");

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public string StateDirectory => Path.Combine(_data.FullName, "state");

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            // Both silos of a cluster share one data directory, as silos on one machine do: one registry, one key.
            silo.Services.AddIotAiSiloServices(new GatewayOptions { DataDirectory = _data.FullName });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _data.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterGroup : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

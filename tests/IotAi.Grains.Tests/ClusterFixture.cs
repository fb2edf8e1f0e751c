using IotAi.Silo;
using IotAi.Grains.Hosting;
using IotAi.Grains;
using IotAi.Inference;
using IotAi.Learning;
using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace IotAi.Grains.Tests;

/// <summary>One in-process silo with the shipped models and file grain state in a temporary directory, shared by a collection.</summary>
public class ClusterFixture : IAsyncLifetime
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
            AddServices(silo.Services);
            silo.Services.AddIotAiSiloServices(new GatewayOptions { DataDirectory = _data.FullName });
            silo.Services.PostConfigure<ModelHostOptions>(static m => m.ShippedImageModel = ShippedImageModel.Pixels);
            // Samples are kept for what they are, never by the random or the evaluation share, so tests can say which ones are kept.
            silo.Services.PostConfigure<CaptureSettings>(static c => (c.Default.RandomFraction, c.Default.EvaluationFraction) = (0, 0));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Services of the test's own, added before the silo's so they take precedence over its defaults.</summary>
    protected virtual void AddServices(IServiceCollection services)
    {
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

/// <summary>A silo whose clock only moves when a test moves it, for what grains do after a while.</summary>
public sealed class FakeClockClusterFixture : ClusterFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

[CollectionDefinition(Name)]
public sealed class FakeClockClusterGroup : ICollectionFixture<FakeClockClusterFixture>
{
    public const string Name = "cluster with a fake clock";
}

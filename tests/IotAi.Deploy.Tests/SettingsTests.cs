using IotAi.Silo;
using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;
using IotAi.Grains.Hosting;
using IotAi.Gateway.Storage;

namespace IotAi.Deploy.Tests;

/// <summary>What production tells the silo, read as the silo reads it.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void Production_runs_the_silos_as_one_cluster_on_Redis_membership_and_PostgreSQL_state()
    {
        var set = Rendering.Load("overlays/prod");
        var settings = set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container);

        var cluster = SettingsChecks.Bind<ClusterOptions>(settings, ClusterOptions.SectionName);
        var storage = SettingsChecks.Bind<GrainStorageOptions>(settings, GrainStorageOptions.SectionName);
        var gateway = SettingsChecks.Bind<GatewayOptions>(settings, GatewayOptions.SectionName);

        Assert.Equal(ClusterMembership.Redis, cluster.Membership);
        Assert.Equal((GrainStorageProvider.AdoNet, GrainStorageOptions.Npgsql), (storage.Provider, storage.Invariant));
        // The connection strings come from the Secret, so they are named here but hold no value.
        Assert.True(settings.ContainsKey("Cluster:Redis"), "production names no Redis for the membership table");
        Assert.True(settings.ContainsKey("Storage:ConnectionString"), "production names no database for grain state");
        Assert.Equal(9464, gateway.MetricsPort);
    }
}

using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;
using OrleansClusterOptions = Orleans.Configuration.ClusterOptions;

namespace IotAi.Silo;

/// <summary>Joins a silo to its cluster as <see cref="ClusterOptions"/> say: localhost clustering, or Redis membership, in a Kubernetes pod or not.</summary>
internal static class ClusterSetup
{
    /// <summary>Whether this process runs in a Kubernetes pod that tells it its name (the Deployment sets <c>POD_NAME</c>).</summary>
    public static bool InKubernetes(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["KUBERNETES_SERVICE_HOST"]) && !string.IsNullOrEmpty(configuration["POD_NAME"]);

    public static void Configure(ISiloBuilder silo, ClusterOptions cluster, IConfiguration configuration)
    {
        if (cluster.Membership == ClusterMembership.Localhost)
        {
            var primary = cluster.PrimarySiloPort is int port ? new IPEndPoint(IPAddress.Loopback, port) : null;
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, primary, cluster.ServiceId, cluster.ClusterId);
            return;
        }

        if (string.IsNullOrWhiteSpace(cluster.Redis))
        {
            throw new InvalidOperationException("Cluster:Membership is Redis, but Cluster:Redis names no Redis to keep the membership table in.");
        }

        silo.UseRedisClustering(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(cluster.Redis));
        silo.Configure<ClusterMembershipOptions>(o => (o.ProbeTimeout, o.NumMissedProbesLimit) = (cluster.ProbeTimeout, cluster.MissedProbesLimit));
        if (InKubernetes(configuration))
        {
            // The pod's name, address and the cluster ids in its labels (ORLEANS_SERVICE_ID, ORLEANS_CLUSTER_ID); and
            // the pods of silos that died are deleted, so a dead silo's pod does not linger as a live one.
            silo.UseKubernetesHosting();
            return;
        }

        silo.Configure<OrleansClusterOptions>(o => (o.ServiceId, o.ClusterId) = (cluster.ServiceId, cluster.ClusterId));
        var advertised = string.IsNullOrWhiteSpace(cluster.AdvertisedAddress) ? null : IPAddress.Parse(cluster.AdvertisedAddress);
        if (advertised is null)
        {
            silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        }
    }
}

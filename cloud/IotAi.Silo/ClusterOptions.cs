using System.ComponentModel.DataAnnotations;

namespace IotAi.Silo;

/// <summary>How silos find one another: on one machine by their ports, or anywhere through a membership table in Redis.</summary>
public enum ClusterMembership
{
    Localhost,
    Redis,
}

/// <summary>
/// How a silo finds the others. Bound from <c>Cluster</c>; the embedded default is localhost clustering. In a
/// Kubernetes pod (<c>KUBERNETES_SERVICE_HOST</c> and <c>POD_NAME</c> set) Orleans' Kubernetes hosting takes the
/// silo's name, address and cluster ids from the pod, and <see cref="Membership"/> is Redis.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    public ClusterMembership Membership { get; set; } = ClusterMembership.Localhost;

    /// <summary>The Redis that holds the membership table, as a StackExchange.Redis connection string; required with Redis membership.</summary>
    public string? Redis { get; set; }

    /// <summary>
    /// The address other silos reach this one at, with Redis membership outside Kubernetes; empty takes this host's
    /// first address. The silo listens on every address either way.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>How long a silo waits for another's answer to a liveness probe (Orleans' default, 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Probes a silo may miss before the others vote it dead (Orleans' default, 3). With <see cref="ProbeTimeout"/> it
    /// sets how soon a silo that died takes no more calls and its grains come back elsewhere.
    /// </summary>
    [Range(1, 10)]
    public int MissedProbesLimit { get; set; } = 3;

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The silo port of the first silo, for a second silo on the same machine; empty for the first.</summary>
    [Range(1, 65535)]
    public int? PrimarySiloPort { get; set; }

    [Required]
    public string ServiceId { get; set; } = "iotai";

    [Required]
    public string ClusterId { get; set; } = "iotai-local";
}

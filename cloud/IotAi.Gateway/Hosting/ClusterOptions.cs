using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Hosting;

/// <summary>How a silo finds the others. Bound from <c>Cluster</c>; the embedded default is localhost clustering.</summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

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

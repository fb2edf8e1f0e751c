using System.ComponentModel.DataAnnotations;
using IotAi.Models;

namespace IotAi.Grains.Hosting;

/// <summary>Where a silo keeps what must survive a restart. Bound from <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Holds <c>models/</c> (the registry), <c>keys/</c> and <c>state/</c>; relative paths start at the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".iotai";

    /// <summary>The plain HTTP port of the Open Inference Protocol and the management endpoints; <c>Gateway:Https</c> adds HTTPS and can turn this off.</summary>
    [Range(1, 65535)]
    public int HttpPort { get; set; } = 8080;

    /// <summary>The IPv4 address HTTP listens on; <c>0.0.0.0</c> for every interface.</summary>
    [Required]
    public string HttpBindAddress { get; set; } = "0.0.0.0";

    /// <summary>Flush grain state to disk on every write (survives power loss, costs an fsync per message).</summary>
    public bool FsyncState { get; set; }

    /// <summary>
    /// How often the silo's state journal is written into each state's files (with <c>Storage:Journal</c>, the default):
    /// longer means fewer file writes for devices that report often, and more for a crashed silo's successor to read.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan StateCompactInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A port of its own for Prometheus' <c>/metrics</c>, so network policies can let scrapers in without letting them
    /// at the management API; empty serves <c>/metrics</c> on <see cref="HttpPort"/>.
    /// </summary>
    [Range(1, 65535)]
    public int? MetricsPort { get; set; }

    /// <summary>
    /// How long a stopping silo may take: devices are sent on their way, then grains are put away. Kubernetes'
    /// termination grace period must be longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a device grain stays in memory after its last call. Its twin is on disk and its connection does not
    /// need it, so an idle device's grain is put away early and read back at its next message or push; Orleans' own
    /// default of 15 minutes kept every connected device's grain in memory for most of a slow reporting interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:01", "1.00:00:00")]
    public TimeSpan DeviceIdleAge { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The folders under <see cref="DataDirectory"/>, as every process that shares it sees them.</summary>
    public DataLayout Layout => new(DataDirectory);

    public string ModelsDirectory => Layout.Models;

    public string KeysDirectory => Layout.Keys;

    public string StateDirectory => Layout.State;

    /// <summary>Where samples kept for learning go (see <c>IotAi.Learning.FileSampleStore</c>).</summary>
    public string SamplesDirectory => Layout.Samples;

    /// <summary>Where the dataset snapshots training runs work on go.</summary>
    public string DatasetsDirectory => Layout.Datasets;
}

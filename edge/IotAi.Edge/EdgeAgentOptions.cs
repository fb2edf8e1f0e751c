using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using IotAi.Protocol;

namespace IotAi.Edge;

/// <summary>The edge agent: who it is, where the gateway is and what it sends. Bound from <c>Edge</c>.</summary>
public sealed class EdgeAgentOptions
{
    public const string SectionName = "Edge";

    /// <summary>The name of <see cref="Sources.JsonLinesSource"/>; it joins the default sources when <see cref="JsonLinesPath"/> is set.</summary>
    public const string JsonLinesSourceName = "jsonl";

    /// <summary>The sources that run when <see cref="Sources"/> is not configured.</summary>
    public static IReadOnlyList<string> DefaultSources { get; } = ["sensor", "camera"];

    /// <summary>The device id: the MQTT client id and the <c>{id}</c> of every topic.</summary>
    [Required]
    public string DeviceId { get; set; } = "";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// A file holding the device's secret, as <c>iotai devices enrol</c> issued it (e.g. <c>/etc/iotai-edge/secret</c>,
    /// readable by the agent alone); the agent sends it as the MQTT password with the device id as user name.
    /// Unset, the agent connects without credentials, which a gateway accepts only with authentication off.
    /// </summary>
    public string? SecretFile { get; set; }

    /// <summary>
    /// The names of the sources to run (<c>sensor</c>, <c>camera</c>, <c>jsonl</c>); unset means
    /// <see cref="DefaultSources"/>, plus <c>jsonl</c> when <see cref="JsonLinesPath"/> is set. It is unset
    /// rather than pre-filled because the configuration binder appends to a pre-filled list instead of replacing it.
    /// </summary>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Bound from configuration.")]
    public IList<string>? Sources { get; set; }

    public TimeSpan SensorInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan CameraInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A file of telemetry JSON, one object per line, to send; <c>-</c> reads standard input.</summary>
    public string? JsonLinesPath { get; set; }

    /// <summary>A CSV file of recorded readings for the <c>csv</c> source: a header row, numeric columns, optional <c>ts</c> and <c>label</c>.</summary>
    public string? CsvPath { get; set; }

    /// <summary>The pause between CSV rows; zero replays them as fast as the agent takes them.</summary>
    public TimeSpan CsvInterval { get; set; } = TimeSpan.Zero;

    /// <summary>The folder the <c>folder</c> source watches for JPEG and PNG images.</summary>
    public string? WatchFolder { get; set; }

    /// <summary>How long an image file must go unwritten before the <c>folder</c> source takes it.</summary>
    public TimeSpan WatchSettleTime { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Where the <c>hwmon</c> source looks for temperature sensors.</summary>
    public string HwmonRoot { get; set; } = "/sys/class/hwmon";

    /// <summary>Seeds the synthetic sources; unset derives it from <see cref="DeviceId"/>, so a device replays the same world.</summary>
    public int? Seed { get; set; }

    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The largest packet the device takes, announced in CONNECT (0: no limit). The gateway sends nothing larger, and
    /// cuts the model chunks it offers the device to fit; a small device sets it to what its buffers hold.
    /// </summary>
    [Range(0, 268_435_455)]
    public int MaximumPacketSize { get; set; }

    /// <summary>How many QoS 1 and 2 messages the gateway may have unacknowledged at the device at once (0: MQTT's 65,535).</summary>
    [Range(0, 65535)]
    public int ReceiveMaximum { get; set; }

    /// <summary>The limit on one connection attempt, subscription included.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first delay between reconnection attempts; it doubles, with jitter, up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After this many failed connection attempts in a row, the agent stops trying for <see cref="CircuitBreakDuration"/>.</summary>
    [Range(2, 1000)]
    public int CircuitBreakAfter { get; set; } = 10;

    /// <summary>How long the agent leaves the gateway alone after <see cref="CircuitBreakAfter"/> failures, before one attempt tests it again.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many uplinks may await the broker's acknowledgement at once. More drains a backlog faster over a
    /// slow link; the cloud recognises repeats within 64 numbers, so a resend after a break stays within that.
    /// </summary>
    [Range(1, 64)]
    public int MaxInFlight { get; set; } = 32;

    /// <summary>How many sent samples are remembered to match results with their send time and truth.</summary>
    [Range(1, 1_000_000)]
    public int InFlightCapacity { get; set; } = 4096;

    /// <summary>Where the agent keeps its models (active, previous, and chunks of one being downloaded).</summary>
    [Required]
    public string DataDirectory { get; set; } = ".iotai-edge";

    /// <summary>
    /// Public keys (PEM files) whose signatures make a model acceptable; a model signed by any other key, or
    /// not signed, never runs. Empty means no model update is accepted.
    /// </summary>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Bound from configuration.")]
    public IList<string> TrustedKeyFiles { get; set; } = [];

    /// <summary>How many model chunks one fetch asks for; the next fetch goes when they have all arrived.</summary>
    [Range(1, 64)]
    public int FetchWindow { get; set; } = 16;

    /// <summary>
    /// How long model chunks asked for may go unanswered before they are asked for again. A fetch or a chunk can be
    /// lost with the connection up; too short a wait on a slow link fetches chunks twice.
    /// </summary>
    public TimeSpan FetchRetryAfter { get; set; } = ModelTransfer.DefaultStaleAfter;

    /// <summary>Which samples the cloud's model answers besides the device's own; see <see cref="JointInferenceMode"/>.</summary>
    public JointInferenceMode JointInference { get; set; } = JointInferenceMode.Threshold;

    /// <summary>Which samples are sent to the cloud at all; see <see cref="CapturePolicy"/>.</summary>
    public CapturePolicy Capture { get; set; } = CapturePolicy.All;

    /// <summary>
    /// A local answer less confident than this is a hard example: escalated to the cloud, kept longest in the
    /// queue, and counted in the quality reports rollouts judge by.
    /// </summary>
    [Range(0.0, 1.0)]
    public double ConfidenceThreshold { get; set; } = 0.6;

    /// <summary>How often the agent reports how its models answer (<c>up/model/quality</c>), when they have answered since the last report.</summary>
    public TimeSpan QualityReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends each sample's ground truth with it when the source knows it (the simulated sources, a test rig), so
    /// the cloud labels what it keeps for learning; off for real sensors, which do not know.
    /// </summary>
    public bool SendTruth { get; set; }

    /// <summary>Shifts the simulated sensor's temperature baseline by this many degrees, to rehearse drift; desired property <c>sensorDrift</c>.</summary>
    public double SensorDrift { get; set; }

    /// <summary>How often the agent reports its state into its twin between the reports it makes on connect and on desired changes.</summary>
    public TimeSpan TwinReportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The share of traces an agent records when none is configured: the silo's own default.</summary>
    public const double DefaultTraceSampleRatio = 0.01;

    /// <summary>
    /// The share of the traces the agent starts (one per uplink) that it records, when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the silo keeps whole every trace a device sampled. At 0 the
    /// agent records none of its own, and still records its part of the traces the cloud started.
    /// </summary>
    [Range(0.0, 1.0)]
    public double TraceSampleRatio { get; set; } = DefaultTraceSampleRatio;

    /// <summary>The names of the sources that run, after defaults.</summary>
    public IReadOnlyList<string> ActiveSources => Sources is { Count: > 0 } configured
        ? [.. configured]
        : JsonLinesPath is null ? DefaultSources : [.. DefaultSources, JsonLinesSourceName];

    /// <summary>The seed the synthetic sources use.</summary>
    public int EffectiveSeed => Seed ?? StableHash(DeviceId);

    // string.GetHashCode is randomised per process; FNV-1a gives every run of a device the same seed.
    private static int StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return unchecked((int)hash);
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IotAi.Simulator.Faults;
using IotAi.Simulator.Replay;

namespace IotAi.Simulator;

/// <summary>How many simulated devices to run, against which broker, and how hard they send.</summary>
public sealed class FleetOptions
{
    public const string SectionName = "Fleet";

    // A third of the 28,232 ports of Linux's default ephemeral range: connect searches that range for a free
    // port, and the search slows as it fills (19,000 devices took 7.7 s to connect from one address, 3.3 s from two).
    private const int DevicesPerAddress = 10_000;

    /// <summary>The gateway's MQTT host.</summary>
    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = 1883;

    /// <summary>How many devices to simulate; each is one MQTT connection.</summary>
    public int Devices { get; set; } = 20;

    /// <summary>Device ids are <c>{DevicePrefix}-{index:D4}</c>, so two fleets with different prefixes never collide.</summary>
    public string DevicePrefix { get; set; } = "sim";

    /// <summary>How often each device sends one uplink (telemetry or image).</summary>
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Every Nth uplink of a device is a camera frame instead of telemetry; 0 sends no images.</summary>
    public int ImageEvery { get; set; } = 10;

    /// <summary>Device i draws its signal and frames from generators seeded with <c>Seed + i</c>, so runs repeat.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The fraction of telemetry samples that are anomalies.</summary>
    public double AnomalyRate { get; set; } = 0.1;

    /// <summary>
    /// Whether each uplink carries its ground truth (telemetry's <c>label</c>, an image's <c>label</c> user property),
    /// as a test rig does: the gateway then labels the samples it keeps for learning. Off by default, so a load test
    /// measures plain readings.
    /// </summary>
    public bool SendTruth { get; set; }

    /// <summary>When and how much the simulated world drifts; <see cref="DriftPlan.None"/> by default.</summary>
    public DriftPlan Drift { get; set; } = DriftPlan.None;

    /// <summary>Each device's secret, by device id, for a gateway that authenticates devices; a device without one connects without credentials.</summary>
    public IDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How long devices keep sending; null sends until cancelled or <see cref="MessagesPerDevice"/> is reached.</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>
    /// The sequence number of each device's first uplink. The gateway drops numbers it has seen, so a fleet that
    /// runs again against the same gateway must start above the last run: <see cref="SeqFromClock"/> does that.
    /// </summary>
    public long FirstSeq { get; set; } = 1;

    /// <summary>A first sequence number above any earlier run's, for fleets that send under 1000 messages/s per device.</summary>
    public static long SeqFromClock(TimeProvider? time = null) => (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>What counts as an uplink's answer; the gateway's result by default.</summary>
    public FleetAnswer Answer { get; set; } = FleetAnswer.Result;

    /// <summary>
    /// False marks every reading as answered at the edge (<c>"escalate": false</c>): the gateway stores and
    /// acknowledges it without inferring or replying, so the fleet must count <see cref="FleetAnswer.Acknowledgement"/>s.
    /// </summary>
    public bool Escalate { get; set; } = true;

    /// <summary>Pads each telemetry payload with a <c>pad</c> string to this many bytes (readers skip it); 0 leaves them as they are.</summary>
    public int PayloadBytes { get; set; }

    /// <summary>
    /// How many loopback source addresses (127.0.0.1, 127.0.0.2, …) the connections spread over when the broker is on
    /// loopback; one address has about 28,000 ephemeral ports. 0 picks one per 10,000 devices.
    /// </summary>
    public int LocalAddresses { get; set; }

    /// <summary>
    /// The MQTT keep-alive each device asks for; a long one keeps a large idle fleet from pinging all the time.
    /// (Each MQTTnet client still wakes every 250 ms to check it: about a tenth of a core per 10,000 idle devices.)
    /// </summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The Receive Maximum each device announces: how many QoS 1 answers the gateway may have unacknowledged at it at
    /// once, as a small device would (0: none announced, MQTT's 65,535).
    /// </summary>
    public ushort ReceiveMaximum { get; set; }

    /// <summary>The period of the sensors' daily-like cycle (<see cref="Synthetic.SensorSignal"/>); ten minutes by default.</summary>
    public TimeSpan SignalPeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Disconnect storms, slow links and pauses, and whether devices reconnect; none by default.</summary>
    public FleetFaults Faults { get; init; } = new();

    /// <summary>A CSV of recorded readings (<see cref="CsvReplay"/>) to send instead of the synthetic signal; null sends the signal.</summary>
    public string? ReplayFile { get; set; }

    /// <summary>The one device that replays <see cref="ReplayFile"/>; null has every device replay it.</summary>
    public string? ReplayDevice { get; set; }

    /// <summary>How many uplinks each device sends before it stops; null is unlimited.</summary>
    public int? MessagesPerDevice { get; set; }

    /// <summary>How many devices connect at once, so a large fleet does not flood the broker's accept queue.</summary>
    public int ConnectConcurrency { get; set; } = 50;

    /// <summary>
    /// Devices send on their interval whatever the gateway does (an open loop, as real sensors do), but a device
    /// with this many uplinks still unanswered skips its tick, so a stalled gateway is not buried in retries.
    /// </summary>
    public int MaxInFlightPerDevice { get; set; } = 1;

    /// <summary>An uplink unanswered for this long counts as a timeout and frees its in-flight slot.</summary>
    public TimeSpan ResultTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a finished run waits for the last results before it disconnects.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether device <paramref name="index"/>'s message <paramref name="number"/> (from 1) is a camera frame: every
    /// <see cref="ImageEvery"/>th, offset by the device's index so the fleet's cameras do not all fire on one tick.
    /// </summary>
    public bool IsImage(int index, long number) => ImageEvery > 0 && (number + index) % ImageEvery == 0;

    /// <summary>The loopback address device <paramref name="index"/> connects from, or null to let the OS choose (a broker not on loopback).</summary>
    public IPAddress? LocalAddress(int index)
    {
        if (!IPAddress.TryParse(Host, out var host) || !IPAddress.IsLoopback(host) || host.AddressFamily != AddressFamily.InterNetwork)
        {
            return null;
        }

        var spread = LocalAddresses > 0 ? LocalAddresses : (Devices + DevicesPerAddress - 1) / DevicesPerAddress;
        return new IPAddress([127, 0, 0, (byte)(1 + (index % spread))]);
    }

    public string DeviceId(int index) => string.Create(CultureInfo.InvariantCulture, $"{DevicePrefix}-{index:D4}");

    /// <summary>Throws on settings that cannot run, before any connection is opened.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentException.ThrowIfNullOrWhiteSpace(DevicePrefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Devices);
        ArgumentOutOfRangeException.ThrowIfNegative(ImageEvery);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ConnectConcurrency);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxInFlightPerDevice);
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(LocalAddresses);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LocalAddresses, 254);
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAlive, TimeSpan.FromSeconds(1));

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SignalPeriod, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(Faults);
        Faults.Validate();
        ValidateReplay();
        if (!Escalate && Answer == FleetAnswer.Result)
        {
            throw new ArgumentException("Readings answered at the edge get no result from the gateway; count acknowledgements instead.", nameof(Escalate));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TelemetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ResultTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(Drift);
        Drift.Validate();
        if (AnomalyRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AnomalyRate), AnomalyRate, "The anomaly rate is a fraction from 0 to 1.");
        }

        if (Duration is { } duration && duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), duration, "The duration must be positive, or null to run until cancelled.");
        }

        if (FirstSeq <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(FirstSeq), FirstSeq, "Sequence numbers start at 1 or above.");
        }

        if (MessagesPerDevice is { } messages && messages <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MessagesPerDevice), messages, "The message count must be positive, or null for no limit.");
        }

        if (!Protocol.DeviceTopics.IsValidDeviceId(DeviceId(Devices - 1)))
        {
            throw new ArgumentException($"'{DeviceId(Devices - 1)}' is not a valid device id.", nameof(DevicePrefix));
        }
    }

    /// <summary>Whether device <paramref name="index"/> sends <see cref="ReplayFile"/>'s rows instead of the signal.</summary>
    public bool Replays(int index) => ReplayFile is not null && (ReplayDevice is null || ReplayDevice == DeviceId(index));

    private void ValidateReplay()
    {
        if (ReplayFile is null)
        {
            if (ReplayDevice is not null)
            {
                throw new ArgumentException("A replay device needs a replay file.", nameof(ReplayDevice));
            }

            return;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ReplayFile);
        if (ReplayDevice is not null && !Enumerable.Range(0, Devices).Any(i => DeviceId(i) == ReplayDevice))
        {
            throw new ArgumentException($"The replay device '{ReplayDevice}' is not in the fleet, whose ids run from {DeviceId(0)} to {DeviceId(Devices - 1)}.", nameof(ReplayDevice));
        }
    }
}

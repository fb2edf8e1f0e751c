using System.CommandLine;
using IotAi.Simulator;
using IotAi.Simulator.Faults;

namespace IotAi.Cli;

/// <summary>The fleet's command-line options, shared by <c>demo</c> and <c>simulate</c>.</summary>
/// <param name="defaultDriftAt">When the world drifts unless <c>--drift-at</c> or <c>--no-drift</c> says otherwise; null never.</param>
internal sealed class FleetOptionsBinding(TimeSpan? defaultDriftAt = null)
{
    public Option<int> Devices { get; } = new("--devices") { Description = "Simulated devices", DefaultValueFactory = _ => 20 };

    public Option<double> IntervalMs { get; } = new("--interval-ms") { Description = "Milliseconds between one device's messages", DefaultValueFactory = _ => 1000 };

    public Option<int> ImageEvery { get; } = new("--image-every") { Description = "Every Nth message of a device is a camera image (0: none)", DefaultValueFactory = _ => 10 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the devices' signals and cameras", DefaultValueFactory = _ => 42 };

    public Option<bool> NoTruth { get; } = new("--no-truth") { Description = "Do not send each sample's true label (the gateway then has no labels to learn from)" };

    public Option<TimeSpan?> DriftAt { get; } = new("--drift-at")
    {
        Description = defaultDriftAt is { } at
            ? $"When the simulated world drifts, after the devices start sending: 90, 90s, 2m or 00:01:30 (default {at.TotalSeconds:0}s)"
            : "When the simulated world drifts, after the devices start sending: 90, 90s, 2m or 00:01:30 (default: never)",
        DefaultValueFactory = _ => defaultDriftAt,
        CustomParser = static result => Duration(result),
    };

    public Option<double> SensorDrift { get; } = new("--drift") { Description = "Degrees the sensors' temperature baseline rises by at the drift", DefaultValueFactory = _ => 12 };

    public Option<double> ImageDrift { get; } = new("--image-drift") { Description = "How far the cameras' lighting turns at the drift, 0 to 1 (1: a bright belt with dark shapes)", DefaultValueFactory = _ => 1 };

    public Option<bool> NoDrift { get; } = new("--no-drift") { Description = "The world never drifts" };

    public IEnumerable<Option> All => [Devices, IntervalMs, ImageEvery, Seed, NoTruth, DriftAt, SensorDrift, ImageDrift, NoDrift];

    private static TimeSpan? Duration(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (DurationText.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"'{text}' is not a duration: give seconds (90, 90s), milliseconds (250ms), minutes (2m) or hh:mm:ss.");
        return null;
    }

    // Load and fault options: only `simulate` offers them, since the demo runs its own silo with the defaults.
    public Option<FleetAnswer> Answer { get; } = new("--answer")
    {
        Description = "What answers an uplink: result (the gateway's inference result), ack (the broker's PUBACK) or echo (the uplink's copy back through a plain broker)",
        DefaultValueFactory = _ => FleetAnswer.Result,
        CustomParser = static result => result.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "result" => FleetAnswer.Result,
            "ack" or "acknowledgement" => FleetAnswer.Acknowledgement,
            "echo" => FleetAnswer.Echo,
            var other => Refuse<FleetAnswer>(result, $"'{other}' is not an answer: give result, ack or echo."),
        },
    };

    public Option<bool> Escalate { get; } = new("--escalate") { Description = "Ask the cloud to infer (false marks readings as answered at the edge; count --answer ack)", DefaultValueFactory = _ => true };

    public Option<int> PayloadBytes { get; } = new("--payload-bytes") { Description = "Pad each telemetry payload to this many bytes (0: as written)" };

    public Option<int> LocalAddresses { get; } = new("--local-addresses") { Description = "Loopback source addresses to spread connections over (0: one per 10,000 devices)" };

    public Option<TimeSpan> KeepAlive { get; } = new("--keep-alive")
    {
        Description = "MQTT keep-alive each device asks for (default 60s)",
        DefaultValueFactory = _ => TimeSpan.FromSeconds(60),
        CustomParser = static result => Duration(result) ?? TimeSpan.Zero,
    };

    public Option<ushort> ReceiveMaximum { get; } = new("--receive-maximum") { Description = "Receive Maximum each device announces: answers it may have unacknowledged (0: none announced)" };

    public Option<int?> Messages { get; } = new("--messages") { Description = "Uplinks per device before it stops (default: no limit)" };

    public Option<int> MaxInFlight { get; } = new("--max-in-flight") { Description = "Unanswered uplinks a device may have before it skips a tick", DefaultValueFactory = _ => 1 };

    public Option<int> ConnectConcurrency { get; } = new("--connect-concurrency") { Description = "Devices connecting at once", DefaultValueFactory = _ => 50 };

    public Option<string[]> Storms { get; } = new("--storm") { Description = "Disconnect storm SHARE@AT, repeatable: 0.2@30s drops a fifth of the devices 30 s in; they reconnect and resend" };

    public Option<string[]> Pauses { get; } = new("--pause") { Description = "Pause SHARE@AT+FOR, repeatable: 0.1@20s+10s silences a tenth of the devices from 20 s to 30 s" };

    public Option<TimeSpan?> SlowLinkDelay { get; } = new("--slow-link")
    {
        Description = "Delay every packet of the slow devices by this much (250ms, 1s)",
        CustomParser = static result => Duration(result),
    };

    public Option<long> SlowLinkBandwidth { get; } = new("--slow-link-bandwidth") { Description = "Bytes per second the slow devices' links carry (0: no cap)" };

    public Option<double> SlowLinkShare { get; } = new("--slow-link-share") { Description = "Share of the devices behind the slow link, 0 to 1", DefaultValueFactory = _ => 1 };

    public Option<bool> Reconnect { get; } = new("--reconnect") { Description = "Reconnect after a lost connection even without planned faults (on with any fault)" };

    public Option<FileInfo?> Replay { get; } = new("--replay") { Description = "CSV of recorded readings to send instead of the synthetic signal (header: timestamp?, values…, label?)" };

    public Option<string?> ReplayDevice { get; } = new("--replay-device") { Description = "The one device that replays --replay (default: every device)" };

    public IEnumerable<Option> Load =>
    [
        Answer, Escalate, PayloadBytes, LocalAddresses, KeepAlive, ReceiveMaximum, Messages, MaxInFlight, ConnectConcurrency,
        Storms, Pauses, SlowLinkDelay, SlowLinkBandwidth, SlowLinkShare, Reconnect, Replay, ReplayDevice,
    ];

    /// <summary>Applies the load and fault options to <paramref name="options"/>; a spec that cannot be read throws with what is wrong.</summary>
    public void ReadLoad(ParseResult parse, FleetOptions options)
    {
        options.Answer = parse.GetValue(Answer);
        options.Escalate = parse.GetValue(Escalate);
        options.PayloadBytes = parse.GetValue(PayloadBytes);
        options.LocalAddresses = parse.GetValue(LocalAddresses);
        options.KeepAlive = parse.GetValue(KeepAlive);
        options.ReceiveMaximum = parse.GetValue(ReceiveMaximum);
        options.MessagesPerDevice = parse.GetValue(Messages);
        options.MaxInFlightPerDevice = parse.GetValue(MaxInFlight);
        options.ConnectConcurrency = parse.GetValue(ConnectConcurrency);
        options.ReplayFile = parse.GetValue(Replay)?.FullName;
        options.ReplayDevice = parse.GetValue(ReplayDevice);
        var faults = options.Faults;
        faults.Reconnect = parse.GetValue(Reconnect);
        try
        {
            foreach (var storm in parse.GetValue(Storms) ?? [])
            {
                faults.Storms.Add(DisconnectStorm.Parse(storm));
            }

            foreach (var pause in parse.GetValue(Pauses) ?? [])
            {
                faults.Pauses.Add(DevicePause.Parse(pause));
            }
        }
        catch (FormatException ex)
        {
            // Said plainly like any other refused option, not as a crash.
            throw new ArgumentException(ex.Message, ex);
        }

        var bandwidth = parse.GetValue(SlowLinkBandwidth);
        if (parse.GetValue(SlowLinkDelay) is { } delay || bandwidth > 0)
        {
            faults.SlowLink = new SlowLink(parse.GetValue(SlowLinkDelay) ?? TimeSpan.Zero, bandwidth, parse.GetValue(SlowLinkShare));
        }
    }

    private static T Refuse<T>(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return default!;
    }

    public FleetOptions Read(ParseResult parse, string host, int port) => new()
    {
        Host = host,
        Port = port,
        Devices = parse.GetValue(Devices),
        TelemetryInterval = TimeSpan.FromMilliseconds(parse.GetValue(IntervalMs)),
        ImageEvery = parse.GetValue(ImageEvery),
        Seed = parse.GetValue(Seed),
        FirstSeq = FleetOptions.SeqFromClock(),
        SendTruth = !parse.GetValue(NoTruth),
        Drift = parse.GetValue(NoDrift) ? DriftPlan.None : new DriftPlan(parse.GetValue(DriftAt), parse.GetValue(SensorDrift), parse.GetValue(ImageDrift)),
    };
}

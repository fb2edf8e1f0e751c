using System.CommandLine;
using IotAi.Simulator;

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

    /// <summary>Seconds by default, so <c>--drift-at 90</c> is not read as 90 days as <see cref="TimeSpan.Parse(string)"/> would.</summary>
    private static TimeSpan? Duration(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Single().Value.Trim();
        var (number, unit) = text.EndsWith('m') ? (text[..^1], 60.0) : text.EndsWith('s') ? (text[..^1], 1.0) : (text, 1.0);
        if (double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return TimeSpan.FromSeconds(value * unit);
        }

        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        result.AddError($"'{text}' is not a duration: give seconds (90, 90s), minutes (2m) or hh:mm:ss.");
        return null;
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

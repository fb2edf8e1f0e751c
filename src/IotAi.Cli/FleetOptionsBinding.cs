using System.CommandLine;
using IotAi.Simulator;

namespace IotAi.Cli;

/// <summary>The fleet's command-line options, shared by <c>demo</c>, <c>simulate</c> and <c>bench</c>.</summary>
internal sealed class FleetOptionsBinding
{
    public Option<int> Devices { get; } = new("--devices") { Description = "Simulated devices", DefaultValueFactory = _ => 20 };

    public Option<double> IntervalMs { get; } = new("--interval-ms") { Description = "Milliseconds between one device's messages", DefaultValueFactory = _ => 1000 };

    public Option<int> ImageEvery { get; } = new("--image-every") { Description = "Every Nth message of a device is a camera image (0: none)", DefaultValueFactory = _ => 10 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the devices' signals and cameras", DefaultValueFactory = _ => 42 };

    public IEnumerable<Option> All => [Devices, IntervalMs, ImageEvery, Seed];

    public FleetOptions Read(ParseResult parse, string host, int port) => new()
    {
        Host = host,
        Port = port,
        Devices = parse.GetValue(Devices),
        TelemetryInterval = TimeSpan.FromMilliseconds(parse.GetValue(IntervalMs)),
        ImageEvery = parse.GetValue(ImageEvery),
        Seed = parse.GetValue(Seed),
        FirstSeq = FleetOptions.SeqFromClock(),
    };
}

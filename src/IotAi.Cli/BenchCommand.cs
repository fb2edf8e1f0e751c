using System.CommandLine;
using IotAi.Cli.Bench;
using IotAi.Gateway.Hosting;
using IotAi.Simulator;
using IotAi.Training;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai bench</c>: raw ONNX Runtime and the whole gateway, side by side in one run, written to
/// <c>docs/benchmarks.md</c>.
/// </summary>
internal static class BenchCommand
{
    private const int BatchSize = 32;

    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time per figure", DefaultValueFactory = _ => 15 };
        var devices = new Option<int>("--devices") { Description = "Simulated devices for the gateway figures", DefaultValueFactory = _ => 100 };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "benchmarks.md")) };
        var command = new Command("bench", "Measure raw ONNX Runtime and the gateway end to end, and write docs/benchmarks.md") { seconds, devices, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var measure = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var fleetSize = parse.GetValue(devices);
            var models = DefaultModelInstaller.BundledDirectory;

            var raw = new List<(string, RateMeasurement, RateMeasurement, int)>();
            foreach (var model in new[] { DefaultModels.SensorModelName, DefaultModels.ImageModelName })
            {
                var folder = Path.Combine(models, model, DefaultModels.Version);
                AnsiConsole.MarkupLineInterpolated($"Raw ONNX Runtime, {model}…");
                raw.Add((model, RawOnnxBenchmark.Run(folder, 1, measure), RawOnnxBenchmark.Run(folder, BatchSize, measure), BatchSize));
            }

            var gateway = new List<(string, string, RateMeasurement)>();
            foreach (var (load, model, imageEvery) in new[] { ("sensor telemetry", DefaultModels.SensorModelName, 0), ("camera images", DefaultModels.ImageModelName, 1) })
            {
                AnsiConsole.MarkupLineInterpolated($"Gateway end to end, {load}, {fleetSize} devices…");
                await using var silo = await SiloProcess.StartAsync([], cancellationToken);
                var fleet = new FleetOptions
                {
                    Devices = fleetSize,
                    TelemetryInterval = TimeSpan.FromMilliseconds(5),
                    ImageEvery = imageEvery,
                    MaxInFlightPerDevice = 4,
                    FirstSeq = FleetOptions.SeqFromClock(),
                };
                gateway.Add((load, model, await GatewayBenchmark.RunAsync(silo, fleet, TimeSpan.FromSeconds(3), measure, cancellationToken)));
            }

            var command = $"dotnet run -c Release --project src/IotAi.Cli -- bench --seconds {measure.TotalSeconds} --devices {fleetSize}";
            var report = new BenchmarkReport(command, raw, gateway).ToMarkdown();
            var file = parse.GetValue(output)!;
            file.Directory?.Create();
            await File.WriteAllTextAsync(file.FullName, report, cancellationToken);
            Console.WriteLine(report);
            AnsiConsole.MarkupLineInterpolated($"Written to {file.FullName}");
            return 0;
        });
        return command;
    }
}

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
        var ota = new Option<bool>("--ota") { Description = "Also send a model over the air to many devices, against Mosquitto's fan-out of the same chunks" };
        var otaDevices = new Option<int>("--ota-devices") { Description = "Devices for the OTA figure", DefaultValueFactory = _ => 1000 };
        var otaMegabytes = new Option<int>("--ota-mb") { Description = "Model size for the OTA figure, in MiB", DefaultValueFactory = _ => 5 };
        var edge = new Option<bool>("--edge") { Description = "Also measure the edge agent: queue appends, the drain after an outage, local inference" };
        var loop = new Option<bool>("--loop") { Description = "Also time the learning loop from drift to recovered accuracy" };
        var telemetry = new Option<bool>("--telemetry") { Description = "Also measure what exporting spans, logs and metrics over OTLP costs the gateway" };
        var command = new Command("bench", "Measure raw ONNX Runtime and the gateway end to end, and write docs/benchmarks.md") { seconds, devices, output, ota, otaDevices, otaMegabytes, edge, loop, telemetry };
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

            AnsiConsole.MarkupLine("Inference latency, steady and while the active version is swapped…");
            var hotSwap = await HotSwapBenchmark.RunAsync(measure, cancellationToken);

            OtaFigures? otaFigures = null;
            var command = $"dotnet run -c Release --project src/IotAi.Cli -- bench --seconds {measure.TotalSeconds} --devices {fleetSize}";
            if (parse.GetValue(ota))
            {
                var (otaCount, size) = (parse.GetValue(otaDevices), parse.GetValue(otaMegabytes));
                AnsiConsole.MarkupLineInterpolated($"A {size} MiB model over the air to {otaCount} devices, gateway and Mosquitto…");
                var (viaGateway, viaMosquitto) = await OtaBenchmark.RunAsync(otaCount, size, cancellationToken);
                otaFigures = new OtaFigures(otaCount, size, viaGateway, viaMosquitto);
                command += $" --ota --ota-devices {otaCount} --ota-mb {size}";
            }

            EdgeFigures? edgeFigures = null;
            if (parse.GetValue(edge))
            {
                AnsiConsole.MarkupLine("The edge agent: queue appends, a drain after an outage, local inference…");
                edgeFigures = await EdgeBenchmark.RunAsync(measure, Path.Combine(models, DefaultModels.SensorModelName, DefaultModels.Version), cancellationToken);
                command += " --edge";
            }

            LoopFigures? loopFigures = null;
            if (parse.GetValue(loop))
            {
                AnsiConsole.MarkupLine("The learning loop: drift, capture, retraining, rollout, recovery…");
                loopFigures = await LoopBenchmark.RunAsync(cancellationToken);
                command += " --loop";
            }

            TelemetryFigures? telemetryFigures = null;
            if (parse.GetValue(telemetry))
            {
                AnsiConsole.MarkupLineInterpolated($"Telemetry's cost: sensor telemetry with and without OTLP export, {fleetSize} devices, twice each…");
                telemetryFigures = await TelemetryBenchmark.RunAsync(fleetSize, measure, cancellationToken);
                command += " --telemetry";
            }

            var report = new BenchmarkReport(command, raw, gateway, hotSwap, otaFigures, edgeFigures, loopFigures, telemetryFigures).ToMarkdown();
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

using System.CommandLine;
using IotAi.Bench;
using IotAi.Bench.Suite;
using Spectre.Console;

namespace IotAi.Cli;

/// <summary>
/// <c>iotai bench</c>: the seven measures the gateway is held to, each beside its baseline (Mosquitto, or ONNX
/// Runtime called bare) in one run, written to <c>docs/benchmarks.md</c> and <c>docs/benchmarks.json</c>;
/// <c>iotai bench extras</c>: the other figures, to <c>docs/benchmarks-extras.md</c>.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time per figure", DefaultValueFactory = _ => 15 };
        var steadyMinutes = new Option<double>("--steady-minutes") { Description = "Length of the steady run that counts allocations and Gen2 collections", DefaultValueFactory = _ => 10 };
        var idleDevices = new Option<int>("--idle-devices") { Description = "Connected idle devices for the memory figure", DefaultValueFactory = _ => 50_000 };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "benchmarks.md")) };
        var json = new Option<FileInfo>("--json") { Description = "Where to write the figures as JSON", DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "benchmarks.json")) };
        var command = new Command("bench", "Measure the gateway against Mosquitto and raw ONNX Runtime, and write docs/benchmarks.md and .json")
        {
            seconds, steadyMinutes, idleDevices, output, json, ExtrasCommand(), BackboneCommand(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new SuiteSettings(
                TimeSpan.FromSeconds(Positive(parse.GetValue(seconds), "--seconds")),
                TimeSpan.FromMinutes(Positive(parse.GetValue(steadyMinutes), "--steady-minutes")),
                (int)Positive(parse.GetValue(idleDevices), "--idle-devices"));
            var figures = await BenchmarkSuite.RunAsync(settings, cancellationToken);
            var report = SuiteReport.ToMarkdown(figures);
            await WriteAsync(parse.GetValue(output)!, report, cancellationToken);
            await WriteAsync(parse.GetValue(json)!, SuiteReport.ToJson(figures), cancellationToken);
            Console.WriteLine(report);
            return 0;
        });
        return command;
    }

    private static Command ExtrasCommand()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time per figure", DefaultValueFactory = _ => 15 };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "benchmarks-extras.md")) };
        var hotSwap = new Option<bool>("--hot-swap") { Description = "Inference latency while the active model version is swapped" };
        var ota = new Option<bool>("--ota") { Description = "A model over the air to many devices, against Mosquitto's fan-out of the same chunks" };
        var otaDevices = new Option<int>("--ota-devices") { Description = "Devices for the OTA figure", DefaultValueFactory = _ => 1000 };
        var otaMegabytes = new Option<int>("--ota-mb") { Description = "Model size for the OTA figure, in MiB", DefaultValueFactory = _ => 5 };
        var edge = new Option<bool>("--edge") { Description = "The edge agent: queue appends, the drain after an outage, local inference" };
        var loop = new Option<bool>("--loop") { Description = "The learning loop: a steady world that must not be answered worse, then drift to recovered accuracy" };
        var loopDevices = new Option<int>("--loop-devices") { Description = "Simulated devices for the steady world", DefaultValueFactory = _ => 2000 };
        var loopMinutes = new Option<double>("--loop-minutes") { Description = "How long the steady world runs", DefaultValueFactory = _ => 5 };
        var telemetry = new Option<bool>("--telemetry") { Description = "What exporting spans, logs and metrics over OTLP costs the gateway" };
        var devices = new Option<int>("--devices") { Description = "Simulated devices for the telemetry figure", DefaultValueFactory = _ => 100 };
        var fuzz = new Option<bool>("--fuzz") { Description = "The ingress fuzzer against a silo with authentication on: rate, hung connections, resident memory" };
        var fuzzPackets = new Option<long>("--fuzz-packets") { Description = "Packets the silo must read in the fuzz figure", DefaultValueFactory = _ => 1_000_000 };
        var overload = new Option<bool>("--overload") { Description = "A minute flat out, far past the silo's rate: back-pressure, memory during and after, recovery" };
        var overloadDevices = new Option<int>("--overload-devices") { Description = "Devices for the overload figure", DefaultValueFactory = _ => 2000 };
        var gcModes = new Option<bool>("--gc-modes") { Description = "Latency at half load and memory per idle device on the silo under each garbage collector setting: server without DATAS (shipped) and with it, workstation, conserving memory" };
        var gcModesDevices = new Option<int>("--gc-modes-devices") { Description = "Idle devices for the garbage collector figure", DefaultValueFactory = _ => 10_000 };
        var storage = new Option<bool>("--storage") { Description = "Sensor telemetry with twins written through the state journal and straight to files, fsync off and on, alternated" };
        var storageDevices = new Option<int>("--storage-devices") { Description = "Simulated devices for the storage figure", DefaultValueFactory = _ => 100 };
        var transports = new Option<bool>("--transports") { Description = "MQTTnet on Kestrel (MQTTnet.AspNetCore) against the silo's listener, on bare brokers: rate, CPU and allocations per message, memory per idle connection" };
        var transportDevices = new Option<int>("--transports-devices") { Description = "Idle connections for the transport figure", DefaultValueFactory = _ => 10_000 };
        var command = new Command("extras", "Measure hot swaps, OTA, the edge agent, the learning loop, telemetry's cost, fuzzing, overload, garbage collector settings and grain state writes, and write docs/benchmarks-extras.md")
        {
            seconds, output, hotSwap, ota, otaDevices, otaMegabytes, edge, loop, loopDevices, loopMinutes, telemetry, devices, fuzz, fuzzPackets, overload, overloadDevices, gcModes, gcModesDevices,
            storage, storageDevices, transports, transportDevices, BrokerCommand(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ExtrasSettings(
                TimeSpan.FromSeconds(Positive(parse.GetValue(seconds), "--seconds")),
                parse.GetValue(hotSwap),
                parse.GetValue(ota) ? (parse.GetValue(otaDevices), parse.GetValue(otaMegabytes)) : null,
                parse.GetValue(edge),
                parse.GetValue(loop) ? (parse.GetValue(loopDevices), TimeSpan.FromMinutes(Positive(parse.GetValue(loopMinutes), "--loop-minutes"))) : null,
                parse.GetValue(telemetry) ? parse.GetValue(devices) : null,
                parse.GetValue(fuzz) ? (long)Positive(parse.GetValue(fuzzPackets), "--fuzz-packets") : null,
                parse.GetValue(overload) ? OverloadPlan.Bench((int)Positive(parse.GetValue(overloadDevices), "--overload-devices")) : null,
                parse.GetValue(gcModes) ? (int)Positive(parse.GetValue(gcModesDevices), "--gc-modes-devices") : null,
                parse.GetValue(storage) ? (int)Positive(parse.GetValue(storageDevices), "--storage-devices") : null,
                parse.GetValue(transports) ? (int)Positive(parse.GetValue(transportDevices), "--transports-devices") : null);
            var report = await ExtrasSuite.RunAsync(settings, cancellationToken);
            var text = report.ToMarkdown();
            await WriteAsync(parse.GetValue(output)!, text, cancellationToken);
            Console.WriteLine(text);
            return 0;
        });
        return command;
    }

    /// <summary>The bare broker the transport figure runs in a process of its own; not for users, hence hidden.</summary>
    private static Command BrokerCommand()
    {
        var transport = new Option<Bench.Transports.BrokerTransport>("--transport") { Description = "Which listener carries the connections", Required = true };
        var port = new Option<int>("--port") { Description = "The loopback port to listen on", Required = true };
        var command = new Command("broker", "A bare MQTTnet broker on one transport, for the transport figure") { transport, port };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) =>
        {
            await Bench.Transports.BareBroker.RunAsync(parse.GetValue(transport), parse.GetValue(port), cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command BackboneCommand()
    {
        var seconds = new Option<int>("--seconds") { Description = "Measuring time per figure", DefaultValueFactory = _ => 10 };
        var images = new Option<int>("--images") { Description = "Photos to train the head on", DefaultValueFactory = _ => 1000 };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "benchmarks-backbone.md")) };
        var noLoop = new Option<bool>("--no-loop") { Description = "Leave out the demo's learning loop on the shipped ResNet18 head (about five minutes)" };
        var command = new Command("backbone", "Measure transfer learning and serving on ResNet18: training time, host against bare ONNX Runtime, batching, memory per version, head-only update bytes, and the demo's loop on the shipped head")
        {
            seconds, images, output, noLoop,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = (int)Positive(parse.GetValue(images), "--images");
            var measure = TimeSpan.FromSeconds(Positive(parse.GetValue(seconds), "--seconds"));
            var figures = await BackboneBenchmark.RunAsync(count, measure, cancellationToken);
            var loop = parse.GetValue(noLoop) ? null : await ImageLoopBenchmark.RunAsync(DemoCommand.LoopSettings, cancellationToken);
            var text = "# ResNet18: transfer learning and serving\n\n" + figures.ToMarkdown(FormattableString.Invariant($"iotai bench backbone --images {count} --seconds {measure.TotalSeconds}"))
                + (loop is null ? "" : "\n## The demo's learning loop on the shipped head\n\n| figure | value |\n|---|---|\n" + loop.ToMarkdown());
            await WriteAsync(parse.GetValue(output)!, text, cancellationToken);
            Console.WriteLine(text);
            return 0;
        });
        return command;
    }

    private static double Positive(double value, string option) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(option, value, $"{option} must be positive.");

    private static async Task WriteAsync(FileInfo file, string content, CancellationToken cancellationToken)
    {
        file.Directory?.Create();
        await File.WriteAllTextAsync(file.FullName, content, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Written to {file.FullName}");
    }
}

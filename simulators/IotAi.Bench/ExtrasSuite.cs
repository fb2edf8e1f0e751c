using System.Globalization;
using IotAi.Models;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>
/// Which of the other figures <c>iotai bench extras</c> measures, and how: a null part is left out.
/// </summary>
/// <param name="Measure">Measuring time per figure.</param>
/// <param name="HotSwap">Inference latency while the active version is swapped.</param>
/// <param name="Ota">A model of this many MiB over the air to this many devices, against Mosquitto's fan-out.</param>
/// <param name="Edge">The edge agent: queue appends, the drain after an outage, local inference.</param>
/// <param name="Loop">The learning loop: a steady world of this many devices for this long, then drift to recovery.</param>
/// <param name="TelemetryDevices">What exporting over OTLP costs the gateway, with this many devices.</param>
/// <param name="FuzzPackets">The ingress fuzzer against a silo with authentication on, until it has read this many packets.</param>
/// <param name="GcModesDevices">Memory per idle device under each garbage collector setting, with this many devices.</param>
/// <param name="StorageDevices">Sensor telemetry with twins written through the journal and straight to files, with this many devices.</param>
/// <param name="Overload">A minute flat out from this many devices, between two runs at a third of the silo's rate.</param>
/// <param name="TransportDevices">MQTTnet on Kestrel against the silo's listener on bare brokers, with this many idle connections.</param>
public sealed record ExtrasSettings(
    TimeSpan Measure,
    bool HotSwap = false,
    (int Devices, int Megabytes)? Ota = null,
    bool Edge = false,
    (int Devices, TimeSpan Length)? Loop = null,
    int? TelemetryDevices = null,
    long? FuzzPackets = null,
    OverloadPlan? Overload = null,
    int? GcModesDevices = null,
    int? StorageDevices = null,
    int? TransportDevices = null);

/// <summary>The figures beyond the seven measures, each beside its own baseline.</summary>
public static class ExtrasSuite
{
    public static async Task<ExtrasReport> RunAsync(ExtrasSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var measure = settings.Measure;
        var report = new ExtrasReport(string.Create(CultureInfo.InvariantCulture, $"dotnet run -c Release --project src/IotAi.Cli -- bench extras --seconds {measure.TotalSeconds}"));
        if (settings.HotSwap)
        {
            AnsiConsole.MarkupLine("Inference latency, steady and while the active version is swapped…");
            report = report with { HotSwap = await HotSwapBenchmark.RunAsync(measure, cancellationToken), Command = report.Command + " --hot-swap" };
        }

        if (settings.Ota is var (count, size))
        {
            AnsiConsole.MarkupLineInterpolated($"A {size} MiB model over the air to {count} devices, gateway and Mosquitto…");
            var (viaGateway, viaMosquitto) = await OtaBenchmark.RunAsync(count, size, cancellationToken);
            report = report with { Ota = new OtaFigures(count, size, viaGateway, viaMosquitto), Command = report.Command + FormattableString.Invariant($" --ota --ota-devices {count} --ota-mb {size}") };
        }

        if (settings.Edge)
        {
            AnsiConsole.MarkupLine("The edge agent: queue appends, a drain after an outage, local inference…");
            var sensorFolder = Path.Combine(ShippedModels.Directory, Training.DefaultModels.SensorModelName, Training.DefaultModels.Version);
            report = report with { Edge = await EdgeBenchmark.RunAsync(measure, sensorFolder, cancellationToken), Command = report.Command + " --edge" };
        }

        if (settings.Loop is var (fleetSize, length))
        {
            AnsiConsole.MarkupLineInterpolated($"The learning loop in a steady world: {fleetSize} devices for {length.TotalMinutes} minutes, default settings…");
            var steady = await SteadyLoopBenchmark.RunAsync(fleetSize, length, cancellationToken);
            AnsiConsole.MarkupLine("The learning loop: drift, capture, retraining, rollout, recovery…");
            report = report with
            {
                SteadyLoop = steady,
                Loop = await LoopBenchmark.RunAsync(cancellationToken),
                Command = report.Command + FormattableString.Invariant($" --loop --loop-devices {fleetSize} --loop-minutes {length.TotalMinutes}"),
            };
        }

        if (settings.TelemetryDevices is int devices)
        {
            AnsiConsole.MarkupLineInterpolated($"Telemetry's cost: sensor telemetry with and without OTLP export, {devices} devices, three times each, alternated…");
            report = report with { Telemetry = await TelemetryBenchmark.RunAsync(devices, measure, cancellationToken), Command = report.Command + FormattableString.Invariant($" --telemetry --devices {devices}") };
        }

        if (settings.FuzzPackets is long packets)
        {
            AnsiConsole.MarkupLineInterpolated($"The ingress fuzzer: {packets:N0} random and mutated packets from enrolled devices…");
            report = report with { Fuzz = await FuzzBenchmark.RunAsync(packets, cancellationToken), Command = report.Command + FormattableString.Invariant($" --fuzz --fuzz-packets {packets}") };
        }

        if (settings.Overload is { } plan)
        {
            AnsiConsole.MarkupLineInterpolated($"Overload: {plan.Devices} devices flat out for {plan.Surge.TotalSeconds} s, then quiet, then normal load…");
            report = report with { Overload = (plan, await OverloadBenchmark.RunAsync(plan, cancellationToken)), Command = report.Command + FormattableString.Invariant($" --overload --overload-devices {plan.Devices}") };
        }

        if (settings.GcModesDevices is int idle)
        {
            report = report with { GcModes = await GcModesBenchmark.RunAsync(idle, measure, cancellationToken), Command = report.Command + FormattableString.Invariant($" --gc-modes --gc-modes-devices {idle}") };
        }

        if (settings.StorageDevices is int writers)
        {
            AnsiConsole.MarkupLineInterpolated($"Grain state: the journal against a file write per message, {writers} devices, alternated…");
            report = report with { Storage = await StorageBenchmark.RunAsync(writers, measure, cancellationToken), Command = report.Command + FormattableString.Invariant($" --storage --storage-devices {writers}") };
        }

        if (settings.TransportDevices is int connections)
        {
            AnsiConsole.MarkupLine("MQTTnet's transports: the silo's listener against Kestrel, on bare brokers…");
            report = report with { Transports = await Transports.TransportBenchmark.RunAsync(connections, measure, cancellationToken), Command = report.Command + FormattableString.Invariant($" --transports --transports-devices {connections}") };
        }

        return report;
    }
}

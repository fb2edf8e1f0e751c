using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Bench.Suite;

/// <summary>
/// Measures 1, 2, 5 and 7: ingest, the sensor model end to end, latency at half the maximum rate, and the
/// silo's garbage collector over a long steady run, each beside Mosquitto driven by the same fleet where the
/// measure has a broker baseline.
/// </summary>
public static class SensorMeasures
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    /// <summary>Measure 1: readings the gateway stores without inferring ("escalate": false) against Mosquitto's delivery.</summary>
    public static async Task<BrokerComparison> IngestAsync(TimeSpan measure, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine("1. Ingest: 1,000 devices, QoS 1, 256 B, the gateway storing readings without inference, against Mosquitto…");
        FleetMeasurement gateway;
        await using (var silo = await SuiteSilo.StartAsync(cancellationToken))
        {
            gateway = await FleetBenchmark.MeasureAsync(silo, () => BrokerFleets.Saturating("ingest", FleetAnswer.Acknowledgement, escalate: false), WarmUp, measure, cancellationToken);
        }

        return new BrokerComparison(gateway, await OnMosquittoAsync(() => BrokerFleets.Saturating("ingest", FleetAnswer.Echo), measure, cancellationToken));
    }

    /// <summary>Measures 2, 5 and 7 on one silo, which stays warm between them as a production silo would.</summary>
    public static async Task<(BrokerComparison Sensor, LatencyComparison Latency, SteadyRun Steady)> EndToEndAsync(
        TimeSpan measure, TimeSpan steady, CancellationToken cancellationToken)
    {
        await using var silo = await SuiteSilo.StartAsync(cancellationToken);
        AnsiConsole.MarkupLine("2. The sensor model end to end: MQTT → grain → inference → result, against Mosquitto publish→subscribe…");
        var gateway = await FleetBenchmark.MeasureAsync(silo, () => BrokerFleets.Saturating("sensor", FleetAnswer.Result), WarmUp, measure, cancellationToken);
        var sensor = new BrokerComparison(gateway, await OnMosquittoAsync(() => BrokerFleets.Saturating("sensor", FleetAnswer.Echo), measure, cancellationToken));

        var half = gateway.Rate.PerSecond / 2;
        AnsiConsole.MarkupLineInterpolated($"5. Latency at {half:N0} messages/s, half the gateway's maximum, on both brokers…");
        var paced = await FleetBenchmark.MeasureAsync(silo, () => BrokerFleets.Paced("sensor", FleetAnswer.Result, half), WarmUp, measure, cancellationToken);
        var latency = new LatencyComparison(half, gateway.Rate.PerSecond, paced,
            await OnMosquittoAsync(() => BrokerFleets.Paced("sensor", FleetAnswer.Echo, half), measure, cancellationToken));

        AnsiConsole.MarkupLineInterpolated($"7. A steady run of {steady.TotalMinutes:F0} min at {half:N0} messages/s: the silo's allocations and collections…");
        var before = await GcCounters.ReadAsync(silo, cancellationToken);
        var run = await FleetBenchmark.MeasureAsync(silo, () => BrokerFleets.Paced("sensor", FleetAnswer.Result, half), TimeSpan.Zero, steady, cancellationToken);
        var after = await GcCounters.ReadAsync(silo, cancellationToken);
        var steadyRun = new SteadyRun(run, BrokerFleets.PayloadBytes, after.AllocatedBytes - before.AllocatedBytes,
            after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2);
        return (sensor, latency, steadyRun);
    }

    /// <summary>
    /// Measure 2 in external broker mode: the same fleet on Mosquitto, with a silo attached to it taking the uplinks from
    /// a shared subscription and answering through it, against <paramref name="mosquittoAlone"/> (measure 2's Mosquitto).
    /// </summary>
    public static async Task<BrokerComparison> ExternalAsync(TimeSpan measure, FleetMeasurement mosquittoAlone, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine("2b. The sensor model end to end in external broker mode: devices on Mosquitto, a silo attached to it, against Mosquitto alone…");
        await using var mosquitto = await MosquittoProcess.StartRequiredAsync(cancellationToken);
        await using var silo = await SuiteSilo.StartAsync(cancellationToken,
            "--Mqtt:External:Host=127.0.0.1", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--Mqtt:External:Port={mosquitto.Port}"));
        var attached = new ExternalModeServer(silo, mosquitto);
        return new BrokerComparison(await FleetBenchmark.MeasureAsync(attached, () => BrokerFleets.Saturating("external", FleetAnswer.Result), WarmUp, measure, cancellationToken), mosquittoAlone);
    }

    private static async Task<FleetMeasurement> OnMosquittoAsync(Func<FleetOptions> options, TimeSpan measure, CancellationToken cancellationToken)
    {
        await using var mosquitto = await MosquittoProcess.StartRequiredAsync(cancellationToken);
        return await FleetBenchmark.MeasureAsync(mosquitto, options, WarmUp, measure, cancellationToken);
    }
}

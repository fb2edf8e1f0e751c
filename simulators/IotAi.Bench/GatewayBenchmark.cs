using IotAi.Simulator;

namespace IotAi.Bench;

/// <summary>
/// The gateway end to end: a simulated fleet publishes over MQTT to a silo in its own process, which infers
/// and answers each message. Only answered messages count, and the silo's own CPU time is read apart from
/// the fleet's, since on a small machine the two compete for the same cores.
/// </summary>
public static class GatewayBenchmark
{
    public static async Task<RateMeasurement> RunAsync(SiloProcess silo, FleetOptions fleetOptions, TimeSpan warmUp, TimeSpan measure, CancellationToken cancellationToken)
    {
        fleetOptions.Host = "127.0.0.1";
        fleetOptions.Port = silo.MqttPort;
        fleetOptions.Duration = warmUp + measure;
        await using var fleet = new Fleet(fleetOptions);
        await fleet.ConnectAsync(cancellationToken);
        var run = fleet.RunAsync(cancellationToken);

        await Task.WhenAny(run, Task.Delay(warmUp, cancellationToken));
        var before = fleet.Statistics.Snapshot();
        var cpuBefore = silo.Cpu;
        await Task.WhenAny(run, Task.Delay(measure, cancellationToken));
        var after = fleet.Statistics.Snapshot();
        var cpu = silo.Cpu - cpuBefore;
        await run;

        if (after.Errors > 0 || after.Accuracy is null)
        {
            throw new InvalidOperationException($"The gateway answered with errors during the benchmark: {FleetReport.ToText(after)}");
        }

        return new RateMeasurement(after.Results - before.Results, after.Elapsed - before.Elapsed, cpu);
    }
}

using System.Diagnostics;
using System.Net;
using IotAi.Simulator.Fuzzing;

namespace IotAi.Bench;

/// <summary>
/// The fuzzer the ingress tests run, at a million packets: a silo in its own process with device authentication on, 128
/// enrolled client ids sending random and mutated packets over raw sockets. Counted as the silo read them
/// (<c>iotai.mqtt.packets.in</c>), with its CPU time and resident memory read from the OS, and every connection that
/// hung (neither answered to the end nor closed within ten seconds).
/// </summary>
public static class FuzzBenchmark
{
    private const string PacketsMetric = "iotai_mqtt_packets_in_total";
    private const int Seed = 20261128;
    private const int Workers = 32;
    private const int IdsPerWorker = 4;

    public static async Task<FuzzFigures> RunAsync(long packets, CancellationToken cancellationToken)
    {
        await using var silo = await SiloProcess.StartAsync(
        [
            // Authentication on, secrets hashed with PBKDF2's fewest iterations: a connection costs one check, and the run
            // measures the parser and the connection's life rather than the hash.
            "--Mqtt:Authentication:Mode=Credentials", "--Mqtt:Authentication:Iterations=1000", "--Learning:Training:CheckInterval=1.00:00:00",
            "--Mqtt:Limits:MaxPacketBytes=65536", "--Mqtt:Limits:ByteBurst=1048576", "--Mqtt:Limits:MaxImageBytes=32768", "--Mqtt:Limits:MaxJsonBytes=8192",
            "--Mqtt:Limits:ConnectsPerSecondPerAddress=1000", "--Mqtt:Limits:ConnectBurstPerAddress=5000",
        ], cancellationToken);
        using var api = silo.Connect();
        var secrets = new Dictionary<string, string>();
        foreach (var id in FuzzFleet.ClientIds(Workers, IdsPerWorker))
        {
            var issued = await api.EnrolAsync(id, cancellationToken);
            secrets[id] = issued.GetProperty("secret").GetString()!;
        }

        var parsedBefore = await PacketsReadAsync(silo, cancellationToken);
        var (residentBefore, cpuBefore) = (silo.ResidentBytes, silo.Cpu);
        var residentPeak = residentBefore;
        var parsed = 0L;
        var watch = Stopwatch.StartNew();
        var address = 0;
        var fleet = new FuzzFleet(new FuzzFleetOptions(silo.MqttPort, Seed, secrets, () => new IPAddress([127, 0, 1, (byte)(1 + Interlocked.Increment(ref address))]), Workers, IdsPerWorker));
        using var done = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            // The silo's own count of packets read, and its memory, twice a second until the fuzzer stops.
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await tick.WaitForNextTickAsync(done.Token).AsTask().ContinueWith(static t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
            {
                Interlocked.Exchange(ref parsed, (long)(await PacketsReadAsync(silo, cancellationToken) - parsedBefore));
                Interlocked.Exchange(ref residentPeak, Math.Max(Interlocked.Read(ref residentPeak), silo.ResidentBytes));
            }
        }, cancellationToken);
        // A connection sends ten packets; one for every four wanted bounds a run whose silo reads too few.
        var tally = await fleet.RunAsync(() => Interlocked.Read(ref parsed) >= packets, packets / 4, cancellationToken);
        var elapsed = watch.Elapsed;
        var cpu = silo.Cpu - cpuBefore;
        await done.CancelAsync();
        await watching;
        var read = (long)(await PacketsReadAsync(silo, cancellationToken) - parsedBefore);
        return new FuzzFigures(tally, new RateMeasurement(read, elapsed, cpu), residentBefore, Math.Max(residentPeak, silo.ResidentBytes), silo.ResidentBytes);
    }

    private static async Task<double> PacketsReadAsync(SiloProcess silo, CancellationToken cancellationToken) =>
        PrometheusText.Sum(await silo.ScrapeMetricsAsync(cancellationToken), PacketsMetric);
}

/// <summary>What a million fuzzed packets did to a silo.</summary>
/// <param name="Tally">Connections made, hung and closed before the fuzzer finished sending.</param>
/// <param name="Read">Packets the silo read, in how long, with its CPU time.</param>
/// <param name="ResidentBefore">The silo's resident memory before the run, its ids enrolled.</param>
/// <param name="ResidentPeak">Its highest during the run.</param>
/// <param name="ResidentAfter">Where it was at the end.</param>
public sealed record FuzzFigures(FuzzTally Tally, RateMeasurement Read, long ResidentBefore, long ResidentPeak, long ResidentAfter);

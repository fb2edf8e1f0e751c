using System.Net.Http.Json;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Simulator.Fuzzing;
using Xunit.Abstractions;

namespace IotAi.Gateway.Mqtt.Tests.Fuzzing;

/// <summary>
/// Random and mutated MQTT traffic against a silo running as its own process with device authentication on, over raw
/// sockets from enrolled devices (a twentieth of them with a wrong secret). Every connection is answered or closed within
/// a bound; the silo's resident memory, read from the OS, stays within a stated bound over what it held before; the
/// packets are counted as the silo read them (<c>iotai.mqtt.packets.in</c>), not as the fuzzer wrote them; a device that
/// spoke properly throughout (its packets not counted) was answered every time, and one that connects afterwards is answered correctly.
/// Reproduce a run with <c>IOTAI_FUZZ_SEED</c>; make it longer with <c>IOTAI_FUZZ_PACKETS</c>.
/// </summary>
public sealed class IngressFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// The silo's resident memory may grow by at most this over the run: the sessions, grains and twins of 128 fuzzing
    /// devices, and the heap the runtime keeps after a burst of garbage.
    /// </summary>
    private const long ResidentGrowthBound = 300L * 1024 * 1024;

    /// <summary>A connection the silo has neither answered to the end nor closed this long after the fuzzer stopped sending has hung.</summary>
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(10);

    private const string PacketsMetric = "iotai_mqtt_packets_in_total";
    private const int Workers = 32;
    private const int ClientIdsPerWorker = 4;

    private LoneSilo _lone = null!;

    private SiloNode Silo => _lone.Node;

    public async Task InitializeAsync() => _lone = await LoneSilo.StartAsync("fuzz-silo",
    [
        "--Mqtt:Tls:Enabled=false", "--Mqtt:Authentication:Iterations=1000", "--Learning:Training:CheckInterval=1.00:00:00",
        "--Mqtt:Limits:MaxPacketBytes=65536", "--Mqtt:Limits:ByteBurst=1048576", "--Mqtt:Limits:MaxImageBytes=32768", "--Mqtt:Limits:MaxJsonBytes=8192",
        "--Mqtt:Limits:ConnectsPerSecondPerAddress=1000", "--Mqtt:Limits:ConnectBurstPerAddress=5000",
    ]);

    public async Task DisposeAsync() => await _lone.DisposeAsync();

    [Fact]
    public async Task Random_and_mutated_packets_from_enrolled_devices_leave_the_silo_alive_bounded_and_answering()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("IOTAI_FUZZ_SEED"), out var s) ? s : 20261128;
        var target = long.TryParse(Environment.GetEnvironmentVariable("IOTAI_FUZZ_PACKETS"), out var c) ? c : 100_000;
        output.WriteLine($"fuzzing seed {seed}, {target} packets (IOTAI_FUZZ_SEED, IOTAI_FUZZ_PACKETS)");
        using var api = Silo.Api(_lone.Data.FullName);
        var ids = FuzzFleet.ClientIds(Workers, ClientIdsPerWorker).Append("fuzz-honest").ToList();
        var secrets = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            using var enrolled = await api.PostAsync(new Uri($"/api/devices/{id}/credentials", UriKind.Relative), null);
            enrolled.EnsureSuccessStatusCode();
            secrets[id] = (await enrolled.Content.ReadFromJsonAsync<IssuedSecret>())!.Secret;
        }

        await using var honest = await TestDevice.ConnectAsync(Silo.MqttPort, "fuzz-honest", secret: secrets["fuzz-honest"], from: SourceAddress.Next());
        var residentBefore = Silo.ResidentBytes();
        var parsedBefore = await Silo.MetricAsync(PacketsMetric);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        using var done = new CancellationTokenSource();
        var honestReadings = 0L;
        var honestRun = SpeakProperlyAsync(honest, () => Interlocked.Increment(ref honestReadings), done.Token);
        var (parsed, residentPeak) = (0L, residentBefore);
        var watching = Task.Run(async () =>
        {
            // The silo's own count of the packets it read, and its memory, twice a second until the workers stop.
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await tick.WaitForNextTickAsync(done.Token).AsTask().ContinueWith(static t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
            {
                Interlocked.Exchange(ref parsed, (long)(await Silo.MetricAsync(PacketsMetric) - parsedBefore) - HonestPackets(Volatile.Read(ref honestReadings)));
                Interlocked.Exchange(ref residentPeak, Math.Max(Interlocked.Read(ref residentPeak), Silo.ResidentBytes()));
            }
        });
        var fleet = new FuzzFleet(new FuzzFleetOptions(Silo.MqttPort, seed, secrets, SourceAddress.Next, Workers, ClientIdsPerWorker) { HangBound = HangBound });
        // Ten packets go out on each connection; a silo that read fewer than four a connection on average would never reach
        // the target, so the run also ends after a connection for every four packets wanted, and at the first connection
        // that hung; either fails below.
        var (connections, hung, refusedSockets) = await fleet.RunAsync(() => Interlocked.Read(ref parsed) >= target, target / 4, CancellationToken.None);
        await done.CancelAsync();
        await watching;
        var answered = await honestRun;
        parsed = (long)(await Silo.MetricAsync(PacketsMetric) - parsedBefore) - HonestPackets(answered);
        var residentAfter = Silo.ResidentBytes();
        output.WriteLine($"the silo read {parsed} packets over {connections} connections in {watch.Elapsed.TotalSeconds:F1} s ({parsed / watch.Elapsed.TotalSeconds:F0}/s); " +
            $"{hung} hung, {refusedSockets} closed before the fuzzer finished sending; the honest device was answered {answered} times; " +
            $"resident memory {residentBefore / (1024 * 1024)} MiB before, {residentPeak / (1024 * 1024)} MiB at most, {residentAfter / (1024 * 1024)} MiB after");

        Assert.Equal(0, hung);
        Assert.True(parsed >= target, $"the silo read only {parsed} of {target} packets");
        Assert.True(answered > 0, "the honest device was never answered during the run");
        Assert.True(residentPeak - residentBefore < ResidentGrowthBound, $"the silo's resident memory grew {(residentPeak - residentBefore) / (1024 * 1024)} MiB");
        await using var after = await TestDevice.ConnectAsync(Silo.MqttPort, "fuzz-honest", secret: secrets["fuzz-honest"], from: SourceAddress.Next());
        Assert.True((await after.SendTelemetryAsync(seq: answered + 1, temperature: 82)).IsSuccess);
        var result = await after.NextResultAsync();
        Assert.Equal((answered + 1, "anomaly"), (result.Seq!.Value, result.Label));
    }

    /// <summary>What the honest device's readings add to the silo's count: its PUBLISH, and its PUBACK of the answer, each.</summary>
    private static long HonestPackets(long readings) => 2 * readings;

    /// <summary>Sends readings until told to stop, each acknowledged with Success and answered; returns how many.</summary>
    private static async Task<long> SpeakProperlyAsync(TestDevice device, Action sending, CancellationToken stop)
    {
        var seq = 0L;
        while (!stop.IsCancellationRequested)
        {
            seq++;
            sending();
            var ack = await device.SendTelemetryAsync(seq, temperature: 45);
            Assert.True(ack.IsSuccess, $"the honest device's reading {seq} got {ack.ReasonCode}");
            var result = await device.NextResultAsync();
            Assert.Equal((seq, "normal"), (result.Seq, result.Label));
        }

        return seq;
    }
}

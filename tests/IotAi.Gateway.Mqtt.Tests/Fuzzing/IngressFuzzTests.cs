using System.Diagnostics;
using IotAi.Gateway.Mqtt.Tests.Limits;
using MQTTnet;
using MQTTnet.Formatter;
using Xunit.Abstractions;

namespace IotAi.Gateway.Mqtt.Tests.Fuzzing;

/// <summary>
/// Random and mutated MQTT traffic against a running silo, over raw sockets from many connections. Afterwards the
/// silo still answers a well-formed device correctly, a device that spoke properly throughout was answered every
/// time, and managed memory is back within a stated bound. Reproduce a run with <c>IOTAI_FUZZ_SEED</c>; make it
/// longer with <c>IOTAI_FUZZ_CASES</c>.
/// </summary>
public sealed class IngressFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Managed memory may grow by at most this over the run: sessions, grains and twins of the fuzzing clients.</summary>
    private const long MemoryGrowthBound = 256L * 1024 * 1024;

    private const int PacketsPerConnection = 10;
    private const int Workers = 32;
    private const int ClientIdsPerWorker = 4;

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-fuzz-");
    private GatewayHost? _silo;

    public async Task InitializeAsync() => _silo = await GatewayHost.StartAsync(_data.FullName, new Dictionary<string, string?>
    {
        ["Mqtt:Limits:MaxPacketBytes"] = "65536",
        ["Mqtt:Limits:ByteBurst"] = "1048576",
        ["Mqtt:Limits:MaxImageBytes"] = "32768",
        ["Mqtt:Limits:MaxJsonBytes"] = "8192",
        ["Mqtt:Limits:ConnectsPerSecondPerAddress"] = "1000",
        ["Mqtt:Limits:ConnectBurstPerAddress"] = "5000",
    });

    [Fact]
    public async Task Random_and_mutated_packets_leave_the_silo_alive_bounded_and_answering_well_formed_devices()
    {
        var silo = _silo!;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("IOTAI_FUZZ_SEED"), out var s) ? s : 20261128;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("IOTAI_FUZZ_CASES"), out var c) ? c : 100_000;
        output.WriteLine($"fuzzing seed {seed}, {cases} cases (IOTAI_FUZZ_SEED, IOTAI_FUZZ_CASES)");
        await using var honest = await TestDevice.ConnectAsync(silo.MqttPort, from: SourceAddress.Next());
        var baseline = ManagedMemory();
        var watch = Stopwatch.StartNew();

        using var done = new CancellationTokenSource();
        var honestRun = SpeakProperlyAsync(honest, done.Token);
        var next = -1;
        var sent = 0L;
        var hung = 0;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var from = SourceAddress.Next();
            int connection;
            while (Interlocked.Read(ref sent) < cases)
            {
                connection = Interlocked.Increment(ref next);
                var (packets, closed) = await FuzzOneConnectionAsync(silo.MqttPort, from, seed, connection, $"fuzz-{worker}-{connection % ClientIdsPerWorker}");
                Interlocked.Add(ref sent, packets);
                if (!closed)
                {
                    Interlocked.Increment(ref hung);
                }
            }
        })));
        await done.CancelAsync();
        var answered = await honestRun;
        var growth = ManagedMemory() - baseline;
        output.WriteLine($"{sent} packets over {next + 1} connections in {watch.Elapsed.TotalSeconds:F1} s; {hung} left open; the honest device was answered {answered} times; managed memory grew {growth / (1024 * 1024)} MiB");

        Assert.True(sent >= cases, $"only {sent} of {cases} packets were sent");
        Assert.True(answered > 0, "the honest device was never answered during the run");
        Assert.True(growth < MemoryGrowthBound, $"managed memory grew {growth} bytes");
        await using var after = await TestDevice.ConnectAsync(silo.MqttPort, from: SourceAddress.Next());
        Assert.True((await after.SendTelemetryAsync(seq: 1, temperature: 82)).IsSuccess);
        var result = await after.NextResultAsync();
        Assert.Equal((1L, "anomaly"), (result.Seq, result.Label));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _data.Delete(recursive: true);
    }

    /// <summary>One connection's worth: a CONNECT (sometimes damaged), well-formed packets, then mostly a damaged one, then a half-close.</summary>
    private static async Task<(int Packets, bool Closed)> FuzzOneConnectionAsync(int port, System.Net.IPAddress from, int seed, int connection, string clientId)
    {
        var random = new Random(HashCode.Combine(seed, connection));
        var packets = new FuzzPackets(random, random.Next(3) == 0 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500);
        var stream = new List<byte>();
        stream.AddRange(random.Next(10) == 0 ? packets.Mutated(clientId) : packets.Connect(clientId));
        for (var i = 1; i < PacketsPerConnection; i++)
        {
            // Damage mostly comes last: the broker closes a connection at the first malformed packet.
            stream.AddRange(i == PacketsPerConnection - 1 && random.Next(10) < 7 ? packets.Mutated(clientId) : packets.WellFormed(clientId));
        }

        using var raw = await RawMqttConnection.OpenAsync(port, from);
        try
        {
            await raw.SendAsync(stream.ToArray());
            raw.EndSending();
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The broker closed before taking it all; such a connection is not counted.
            return (0, true);
        }

        return (PacketsPerConnection, await raw.DrainAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Sends readings until told to stop, each acknowledged with Success and answered; returns how many.</summary>
    private static async Task<long> SpeakProperlyAsync(TestDevice device, CancellationToken stop)
    {
        var seq = 0L;
        while (!stop.IsCancellationRequested)
        {
            seq++;
            var ack = await device.SendTelemetryAsync(seq, temperature: 45);
            Assert.True(ack.IsSuccess, $"the honest device's reading {seq} got {ack.ReasonCode}");
            var result = await device.NextResultAsync();
            Assert.Equal((seq, "normal"), (result.Seq, result.Label));
        }

        return seq;
    }

    private static long ManagedMemory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

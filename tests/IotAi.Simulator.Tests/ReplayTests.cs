using System.Text.Json;
using IotAi.Protocol;
using IotAi.Simulator.Replay;
using IotAi.Synthetic;

namespace IotAi.Simulator.Tests;

/// <summary>Replaying recorded readings from a CSV instead of the synthetic signal.</summary>
public sealed class ReplayTests : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.csv");

    [Fact]
    public async Task Every_device_sends_exactly_the_files_rows_in_order_with_their_labels_and_stops_at_the_end()
    {
        File.WriteAllText(_file, """
            timestamp,temperature,current,label
            2025-03-01T10:00:00Z,41.5,9.5,normal
            2025-03-01T10:00:01Z,72.25,10,anomaly
            2025-03-01T10:00:02Z,43,-1.5e1,
            """);
        var options = Options("replay", devices: 2);
        options.ReplayFile = _file;
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Silently, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "a replay ends with its file");
        foreach (var id in fleet.DeviceIds)
        {
            var sent = gateway.UplinksOf(id).Select(static u => JsonSerializer.Deserialize(u.Payload, ProtocolJson.Wire.Telemetry)!).ToList();
            Assert.Equal([1L, 2, 3], sent.Select(static t => t.Seq!.Value));
            Assert.Equal(["normal", "anomaly", null], sent.Select(static t => t.Label));
            Assert.Equal([41.5, 72.25, 43], sent.Select(static t => t.Values["temperature"]));
            Assert.Equal([9.5, 10, -15], sent.Select(static t => t.Values["current"]));
            Assert.All(sent, static t => Assert.Equal(["temperature", "current"], t.Values.Keys));
            Assert.Equal(DateTimeOffset.Parse("2025-03-01T10:00:01Z", System.Globalization.CultureInfo.InvariantCulture), sent[1].Timestamp);
        }

        Assert.Equal(6, fleet.Statistics.Snapshot().Results);
    }

    [Fact]
    public async Task One_device_can_replay_while_the_rest_send_the_synthetic_signal()
    {
        File.WriteAllText(_file, "pressure\n1.5\n2.5\n");
        var options = Options("one", devices: 3);
        options.ReplayFile = _file;
        options.ReplayDevice = options.DeviceId(1);
        await using var gateway = await FakeGateway.StartAsync(GatewayAnswers.Silently, new GroundTruth(options));
        options.Port = gateway.Port;
        await using var fleet = new Fleet(options);
        using var timeout = new CancellationTokenSource(TestTimeout);

        await fleet.RunAsync(timeout.Token);

        var replayed = gateway.UplinksOf(options.DeviceId(1)).Select(static u => JsonSerializer.Deserialize(u.Payload, ProtocolJson.Wire.Telemetry)!).ToList();
        Assert.Equal([1.5, 2.5], replayed.Select(static t => t.Values["pressure"]));
        var synthetic = JsonSerializer.Deserialize(gateway.UplinksOf(options.DeviceId(0))[0].Payload, ProtocolJson.Wire.Telemetry)!;
        Assert.Equal(SensorSample.FeatureNames, synthetic.Values.Keys);
        Assert.Equal(4, gateway.UplinksOf(options.DeviceId(2)).Count);
    }

    [Theory]
    [InlineData("ts,label\n2025-03-01T10:00:00Z,normal\n", "no value columns")]
    [InlineData("temperature,current\n41,9\n42,lots\n", "line 3: 'lots' in column current is not a number")]
    [InlineData("temperature,current\n41,9,3\n", "line 2: it has 3 fields, the header 2")]
    [InlineData("ts,temperature\nyesterday,41\n", "line 2: 'yesterday' in column ts is not a time")]
    [InlineData("temperature\n", "no rows")]
    [InlineData("", "is empty")]
    [InlineData("temperature,temperature\n1,2\n", "a name of its own")]
    public void A_bad_replay_file_fails_before_connecting_and_says_where(string csv, string expected)
    {
        File.WriteAllText(_file, csv);
        var options = Options("bad", devices: 1);
        options.ReplayFile = _file;

        var error = Assert.Throws<InvalidDataException>(() => new Fleet(options));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(_file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_replay_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => CsvReplay.Load(_file));

        Assert.Contains(_file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replay_device_must_be_in_the_fleet_and_needs_a_file()
    {
        Assert.ThrowsAny<ArgumentException>(new FleetOptions { ReplayFile = _file, ReplayDevice = "sim-9999" }.Validate);
        Assert.ThrowsAny<ArgumentException>(new FleetOptions { ReplayDevice = "sim-0000" }.Validate);
    }

    public void Dispose() => File.Delete(_file);

    private static FleetOptions Options(string prefix, int devices) => new()
    {
        Host = "127.0.0.1",
        DevicePrefix = prefix,
        Devices = devices,
        MessagesPerDevice = 4,
        Answer = FleetAnswer.Acknowledgement,
        TelemetryInterval = TimeSpan.FromMilliseconds(10),
        SendTruth = true,
    };
}

using System.Text.Json;
using IotAi.Bench;
using IotAi.Bench.Suite;
using IotAi.Simulator;

namespace IotAi.Bench.Tests;

/// <summary>The report's verdicts follow its figures; these figures are made up, not measured.</summary>
public sealed class SuiteReportTests
{
    [Fact]
    public void Each_goal_is_judged_from_its_own_figures()
    {
        var headlines = Figures(ingestGateway: 8_000, memoryPerDevice: 9 * 1024, gen2: 0).Headlines();

        Assert.Equal([1, 2, 3, 4, 4, 5, 6, 7], headlines.Select(h => h.Number));
        Assert.Equal(0.8, headlines[0].Ratio, 6);
        Assert.True(headlines[0].Met);                 // 8,000 ÷ 10,000 reaches 0.8×
        Assert.False(headlines[1].Met);                // 4,000 ÷ 10,000 is under 0.5×
        Assert.True(headlines[3].Met);                 // sensor batching 6×
        Assert.False(headlines[4].Met);                // image batching 0.9× is slower than one per call
        Assert.True(headlines[5].Met);                 // p99 2 ms ÷ 1 ms
        Assert.False(headlines[6].Met);                // 9 KB a device
        Assert.True(headlines[7].Met);                 // 500 B for a 256 B payload, no Gen2
    }

    [Fact]
    public void A_Gen2_collection_or_fewer_devices_than_the_goal_names_fails_the_goal()
    {
        var headlines = Figures(ingestGateway: 8_000, memoryPerDevice: 4 * 1024, gen2: 1, devices: 40_000).Headlines();

        Assert.False(headlines[6].Met);
        Assert.False(headlines[7].Met);
    }

    [Fact]
    public void The_markdown_names_every_missed_goal_and_the_json_carries_the_same_headlines()
    {
        var figures = Figures(ingestGateway: 8_000, memoryPerDevice: 9 * 1024, gen2: 0);

        var markdown = SuiteReport.ToMarkdown(figures);
        using var json = JsonDocument.Parse(SuiteReport.ToJson(figures));

        Assert.Contains("bench --seconds 15", markdown, StringComparison.Ordinal);
        var gaps = markdown[markdown.IndexOf("## Where the goals are not met", StringComparison.Ordinal)..];
        Assert.Contains("**2. End to end with the sensor model:**", gaps, StringComparison.Ordinal);
        Assert.Contains("**6. Memory per idle device", gaps, StringComparison.Ordinal);
        Assert.DoesNotContain("**1. Ingest", gaps, StringComparison.Ordinal);
        var met = json.RootElement.GetProperty("headlines").EnumerateArray().Select(h => h.GetProperty("met").GetBoolean());
        Assert.Equal(figures.Headlines().Select(h => h.Met), met);
        Assert.Equal(2, json.RootElement.GetProperty("machine").GetProperty("cores").GetInt32());
        // External broker mode is reported beside measure 2, from its own figures.
        Assert.Contains("Silo behind Mosquitto ÷ Mosquitto alone: **0.30×** the rate", markdown, StringComparison.Ordinal);
        Assert.Equal(3_000, json.RootElement.GetProperty("figures").GetProperty("external").GetProperty("gateway").GetProperty("rate").GetProperty("perSecond").GetDouble(), 6);
    }

    private static SuiteFigures Figures(double ingestGateway, double memoryPerDevice, long gen2, int devices = 50_000)
    {
        var tenSeconds = TimeSpan.FromSeconds(10);
        FleetMeasurement Fleet(string server, double perSecond, double p99Ms) => new(
            server, 1000, new RateMeasurement((long)(perSecond * 10), tenSeconds, TimeSpan.FromSeconds(1)), new LatencyPercentiles(100, p99Ms / 2, p99Ms, p99Ms, p99Ms * 2), 0, 0);
        RateMeasurement Rate(double perSecond) => new((long)(perSecond * 10), tenSeconds, TimeSpan.FromSeconds(1));
        var machine = new MachineDescription(2, "test CPU", 24, "Linux", ".NET 10", "mosquitto 2", "1.31.1", "10.4.2", "5.2");
        return new SuiteFigures(
            machine,
            "dotnet run -c Release --project src/IotAi.Cli -- bench --seconds 15",
            DateTimeOffset.UnixEpoch,
            new BrokerComparison(Fleet("IotAi silo", ingestGateway, 5), Fleet("Mosquitto", 10_000, 1)),
            new BrokerComparison(Fleet("IotAi silo", 4_000, 5), Fleet("Mosquitto", 10_000, 1)),
            new ImageComparison(Fleet("IotAi silo", 1_000, 5), 6.4, 6, Rate(50_000), Rate(8_000)),
            [
                new BatchingComparison("sensor-anomaly", 64, 32, Rate(600_000), 22, Rate(100_000)),
                new BatchingComparison("shape-classifier", 64, 32, Rate(45_000), 27, Rate(50_000)),
            ],
            new LatencyComparison(2_000, 4_000, Fleet("IotAi silo", 2_000, 2), Fleet("Mosquitto", 2_000, 1)),
            new IdleMemoryComparison(50_000, new IdleMemory("IotAi silo", devices, 0, (long)(memoryPerDevice * devices), tenSeconds), new IdleMemory("Mosquitto", devices, 0, 2048L * devices, tenSeconds)),
            new SteadyRun(Fleet("IotAi silo", 2_000, 2), 256, 500 * 20_000, 100, 10, gen2),
            new BrokerComparison(Fleet("IotAi behind Mosquitto", 3_000, 6), Fleet("Mosquitto", 10_000, 1)));
    }
}

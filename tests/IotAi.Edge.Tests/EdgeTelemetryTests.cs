using IotAi.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace IotAi.Edge.Tests;

/// <summary>What the agent's meters publish.</summary>
public sealed class EdgeTelemetryTests
{
    [Fact]
    public async Task Every_histogram_the_agent_records_has_buckets_for_its_unit()
    {
        // Built, not started: the meters exist once the agent's telemetry does.
        await using var agent = AgentHost.Create(port: 1, AgentHost.NewDeviceId("buckets"));
        _ = agent.Services.GetRequiredService<EdgeTelemetry>();

        var histograms = PublishedHistograms.Of(EdgeTelemetry.MeterName);
        Assert.Contains("iotai.agent.inference.duration", histograms.Keys);
        PublishedHistograms.AssertEachHasItsOwnBuckets(histograms);
        var answer = histograms["iotai.agent.result.duration"].Boundaries!;
        Assert.True(answer[0] <= 0.001 && answer[^1] >= 10, $"answer buckets run from {answer[0]} to {answer[^1]} s");
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Timeout;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// How the ingress calls device grains, as <c>AddGatewayMqtt</c> registers it once under its key (and the ingress is
/// given it): a silo that is going is tried again, a grain's own failure is not, and the whole call stays within the
/// uplink timeout the settings give.
/// </summary>
public sealed class GrainCallPipelineTests
{
    [Fact]
    public async Task The_registered_pipeline_retries_a_silo_that_is_going_but_not_a_grain_that_failed_within_the_configured_timeout()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:UplinkTimeout"] = "00:00:02" }).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(settings).AddLogging().AddGatewayMqtt().BuildServiceProvider();
        var pipeline = services.GetRequiredKeyedService<ResiliencePipeline>(GrainCallPipeline.Key);

        // Two retries back off about 0.1 s and 0.2 s (jittered), well within the 2 s the settings give the whole call.
        var attempts = 0;
        var answer = await pipeline.ExecuteAsync(_ => ++attempts < 3 ? throw new SiloUnavailableException() : ValueTask.FromResult(42));
        Assert.Equal((42, 3), (answer, attempts));

        attempts = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new InvalidOperationException("the grain's own failure");
        }));
        Assert.Equal(1, attempts);

        // A grain that never answers: the pipeline gives up at the configured 2 s, well before the test's own 10 s deadline.
        var never = new TaskCompletionSource();
        await Assert.ThrowsAsync<TimeoutRejectedException>(async () =>
            await pipeline.ExecuteAsync(async token => await never.Task.WaitAsync(token)).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }
}

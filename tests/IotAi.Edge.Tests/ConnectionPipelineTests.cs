using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;

namespace IotAi.Edge.Tests;

/// <summary>
/// The reconnect pipeline, as the agent's container registers it under its key (and the connection is given it): back
/// off, and after enough failures in a row leave the gateway alone for a while, as the agent's settings say.
/// </summary>
public sealed class ConnectionPipelineTests
{
    [Fact]
    public async Task After_enough_failures_in_a_row_no_attempt_reaches_the_gateway_until_the_break_is_over()
    {
        using var logs = new RecordingLoggerProvider();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:DeviceId"] = "breaker",
            ["Edge:ReconnectDelay"] = "00:00:00.001",
            ["Edge:MaxReconnectDelay"] = "00:00:00.001",
            ["Edge:CircuitBreakAfter"] = "3",
            ["Edge:CircuitBreakDuration"] = "01:00:00",
        }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(settings)
            .AddLogging(b => b.AddProvider(logs))
            .AddEdgeAgent()
            .BuildServiceProvider();
        var pipeline = services.GetRequiredKeyedService<ResiliencePipeline>(ConnectionPipeline.Key);
        var attempts = 0;
        using var stop = new CancellationTokenSource();

        var running = pipeline.ExecuteAsync(_ =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("the gateway refused the connection");
        }, stop.Token).AsTask();
        // Twenty retries later the circuit has long been open: every one of them was refused without an attempt.
        await logs.WaitForAsync(m => m.Contains("(attempt 20)", StringComparison.Ordinal));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(3, Volatile.Read(ref attempts));
        Assert.Contains(logs.Entries, e => e.Message.Contains("failed 3 connection attempts in a row", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Message.Contains("circuit", StringComparison.OrdinalIgnoreCase) && e.Message.Contains("attempt 20", StringComparison.Ordinal));
    }
}

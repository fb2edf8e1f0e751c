namespace IotAi.Edge.Tests;

/// <summary>The reconnect pipeline: back off, and after enough failures in a row leave the gateway alone for a while.</summary>
public sealed class ConnectionPipelineTests
{
    [Fact]
    public async Task After_enough_failures_in_a_row_no_attempt_reaches_the_gateway_until_the_break_is_over()
    {
        using var logs = new RecordingLoggerProvider();
        var options = new EdgeAgentOptions
        {
            DeviceId = "breaker",
            ReconnectDelay = TimeSpan.FromMilliseconds(1),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(1),
            CircuitBreakAfter = 3,
            CircuitBreakDuration = TimeSpan.FromHours(1),
        };
        var pipeline = ConnectionPipeline.Create(options, TimeProvider.System, logs.CreateLogger("pipeline"));
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

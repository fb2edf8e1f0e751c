using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace IotAi.Edge;

/// <summary>
/// Builds the pipeline one MQTT connection attempt runs in: retry forever with exponential backoff and jitter,
/// capped at <see cref="EdgeAgentOptions.MaxReconnectDelay"/>; inside it a circuit breaker that, after
/// <see cref="EdgeAgentOptions.CircuitBreakAfter"/> failed attempts in a row, lets no attempt through for
/// <see cref="EdgeAgentOptions.CircuitBreakDuration"/>, so a fleet does not hammer a gateway that is down or
/// overloaded; and inside that a per-attempt timeout of <see cref="EdgeAgentOptions.ConnectTimeout"/>. An edge
/// device has nothing better to do than keep trying, so there is no outer timeout; only shutdown stops it.
/// </summary>
public static partial class ConnectionPipeline
{
    /// <summary>The key the pipeline is registered under, once, as a keyed service.</summary>
    public const string Key = "iotai-edge-connection";

    public static ResiliencePipelineBuilder Configure(ResiliencePipelineBuilder builder, EdgeAgentOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        builder.TimeProvider = timeProvider;
        return builder
            .AddRetry(new RetryStrategyOptions
            {
                // The default predicate retries every exception except cancellation, which is shutdown.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
                OnRetry = args =>
                {
                    LogRetrying(logger, options.DeviceId, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 1.0,
                MinimumThroughput = options.CircuitBreakAfter,
                SamplingDuration = TimeSpan.FromDays(1),
                BreakDuration = options.CircuitBreakDuration,
                OnOpened = args =>
                {
                    LogCircuitOpened(logger, options.DeviceId, options.CircuitBreakAfter, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.ConnectTimeout });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} failed {Failures} connection attempts in a row; none for {Duration}")]
    private static partial void LogCircuitOpened(ILogger logger, string deviceId, int failures, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not connect (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string deviceId, int attempt, TimeSpan delay, string? reason);
}

using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace IotAi.Edge;

/// <summary>
/// Builds the pipeline one MQTT connection attempt runs in: retry forever with exponential backoff and jitter,
/// capped at <see cref="EdgeAgentOptions.MaxReconnectDelay"/>, around a per-attempt timeout of
/// <see cref="EdgeAgentOptions.ConnectTimeout"/>. An edge device has nothing better to do than keep trying,
/// so there is no outer timeout or circuit breaker; only shutdown stops it.
/// </summary>
public static partial class ConnectionPipeline
{
    public static ResiliencePipeline Create(EdgeAgentOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
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
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.ConnectTimeout })
            .Build();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not connect (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string deviceId, int attempt, TimeSpan delay, string? reason);
}

using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// How the ingress calls a device's grain: within the uplink's timeout, again with growing jittered pauses while the
/// silo holding the grain is going (a rolling update stops silos one by one, a dead silo takes seconds to be voted
/// out). The grain drops a repeated reading by its number, so a call that did arrive before its answer was lost
/// counts once. Anything else (a grain's own failure) is not retried: it would only fail again.
/// </summary>
internal static partial class GrainCallPipeline
{
    public static ResiliencePipeline Create(MqttIngressOptions options, ILogger logger) =>
        new ResiliencePipelineBuilder()
            .AddTimeout(options.UplinkTimeout)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SiloUnavailableException>().Handle<OrleansMessageRejectionException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(2),
                OnRetry = args =>
                {
                    LogRetrying(logger, args.AttemptNumber + 1, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    [LoggerMessage(Level = LogLevel.Debug, Message = "A device grain's silo is going; calling it again (attempt {Attempt}): {Reason}")]
    private static partial void LogRetrying(ILogger logger, int attempt, string? reason);
}

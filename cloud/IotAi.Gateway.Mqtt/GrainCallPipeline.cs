using System.Diagnostics;
using IotAi.Grains;
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
    /// <summary>The key the pipeline is registered under, once, as a keyed service.</summary>
    public const string Key = "iotai-grain-calls";

    public static ResiliencePipelineBuilder Configure(ResiliencePipelineBuilder builder, MqttIngressOptions options, ILogger logger) =>
        builder
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
            });

    /// <summary>
    /// Calls a device's grain within <paramref name="timeout"/>, making the first attempt directly: each of the
    /// pipeline's strategies costs an async state machine per call, which for a grain that answers at once is more than
    /// the rest of the call, and nearly every call succeeds the first time. A call whose silo is going goes on to the
    /// pipeline's retries, within what is left of the timeout.
    /// </summary>
    public static async Task<UplinkReply> CallAsync<TArg>(this ResiliencePipeline pipeline, TimeSpan timeout, IDeviceGrain grain, TArg arg,
        Func<IDeviceGrain, TArg, Task<UplinkReply>> call, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await call(grain, arg).WaitAsync(timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException)
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            budget.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            return await pipeline.ExecuteAsync(
                static async (state, token) => await state.call(state.grain, state.arg).WaitAsync(token), (grain, arg, call), budget.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A device grain's silo is going; calling it again (attempt {Attempt}): {Reason}")]
    private static partial void LogRetrying(ILogger logger, int attempt, string? reason);
}

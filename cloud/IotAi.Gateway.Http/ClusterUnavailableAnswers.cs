using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IotAi.Gateway.Http;

/// <summary>
/// An API call whose grain sits on a silo that is going (stopped, killed, not yet voted out of the cluster) answers
/// 503 with <c>Retry-After</c>, not 500: nothing is wrong with the call, and the same call succeeds once the cluster
/// has moved the grain, within seconds.
/// </summary>
internal sealed partial class ClusterUnavailableAnswers(RequestDelegate next, ILogger<ClusterUnavailableAnswers> logger)
{
    /// <summary>Seconds a client is told to wait: about the time the cluster takes to declare a silo gone and move its grains.</summary>
    public const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IsClusterUnavailable(ex) && !context.Response.HasStarted)
        {
            LogUnavailable(context.Request.Method, context.Request.Path, ex.GetType().Name, ex.Message);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(
                $"The silo that holds what this call needs is leaving the cluster ({ex.Message}); try again in {RetryAfterSeconds} s.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The cluster is moving this call's grain").ExecuteAsync(context);
        }
    }

    /// <summary>The runtime's own failures (a silo known dead, a message it rejected, a directory in flux) and calls that timed out; a grain's own exception is none of these.</summary>
    private static bool IsClusterUnavailable(Exception ex) => ex is OrleansException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: {Exception} {Reason}")]
    private partial void LogUnavailable(string method, string path, string exception, string reason);
}

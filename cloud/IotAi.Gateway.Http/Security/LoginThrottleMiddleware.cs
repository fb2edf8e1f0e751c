using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Sits after authentication, where it knows whether the key or token a call presented was accepted: it answers 429
/// with <c>Retry-After</c> (whole seconds) and a problem body to a call the <see cref="LoginThrottle"/> turns away, and
/// counts a call whose credentials were presented and not accepted. Endpoints open to anyone (the probes,
/// <c>/metrics</c>, the OpenAPI document) are neither counted nor refused: kubelets and scrapers are never locked out.
/// </summary>
internal sealed class LoginThrottleMiddleware(RequestDelegate next, LoginThrottle throttle)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return next(context);
        }

        var address = context.Connection.RemoteIpAddress;
        var presented = ApiKeyAuthenticationHandler.Presented(context.Request);
        if (throttle.Check(address, presented) is { } refusal)
        {
            return RefuseAsync(context, refusal);
        }

        if (presented is not null && context.User.Identity?.IsAuthenticated != true)
        {
            throttle.Failed(address, presented);
        }

        return next(context);
    }

    private static Task RefuseAsync(HttpContext context, LoginRefusal refusal)
    {
        var seconds = (long)Math.Max(1, Math.Ceiling(refusal.RetryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem($"{refusal.Reason}; try again in {seconds} s", statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests")
            .ExecuteAsync(context);
    }
}

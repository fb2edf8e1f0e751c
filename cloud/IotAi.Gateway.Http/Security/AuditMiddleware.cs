using Microsoft.AspNetCore.Http;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Sits between authentication and authorization, so it sees who called and the answer, refusals included, and records
/// every call that changes something (any method but GET, HEAD and OPTIONS, on an endpoint not marked
/// <see cref="ReadOnlyCall"/>) that succeeded, was refused for want of credentials or role, or was turned away after
/// too many failed logins (429, see <see cref="LoginThrottle"/>). It records as the answer starts, so no caller ever
/// holds an answer the audit log does not.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, AuditLog audit)
{
    public Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (!(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)))
        {
            context.Response.OnStarting(() => RecordAsync(context, audit));
        }

        return next(context);
    }

    private static Task RecordAsync(HttpContext context, AuditLog audit)
    {
        var status = context.Response.StatusCode;
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyCall>() is not null
            || status is not ((>= 200 and < 300) or StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests))
        {
            return Task.CompletedTask;
        }

        var user = context.User;
        var who = user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";
        return audit.RecordAsync(new AuditEntry(audit.Clock.GetUtcNow(), who, ApiRoles.Highest(user) ?? "none", context.Request.Method,
            context.Request.Path.Value ?? "/", status, context.Connection.RemoteIpAddress?.ToString()), CancellationToken.None);
    }
}

/// <summary>Marks a call that is not a GET but changes nothing (inference), so it stays out of the audit log.</summary>
internal sealed class ReadOnlyCall
{
    public static ReadOnlyCall Instance { get; } = new();

    private ReadOnlyCall()
    {
    }
}

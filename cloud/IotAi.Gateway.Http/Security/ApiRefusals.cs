using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Answers a refused call as the framework does (401 with a challenge, or 403), then says why in a JSON problem body,
/// so a caller learns whether its credentials were missing, not accepted, or too weak for the call.
/// </summary>
internal sealed class ApiRefusals : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _framework = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        await _framework.HandleAsync(next, context, policy, authorizeResult);
        if (context.Response.HasStarted || !(authorizeResult.Challenged || authorizeResult.Forbidden))
        {
            return;
        }

        // A group's policy and its endpoint's combine; the requirement letting in the fewest roles is what the call needs.
        var needs = policy.Requirements.OfType<RolesAuthorizationRequirement>().MinBy(static r => r.AllowedRoles.Count())?.AllowedRoles.First() ?? ApiRoles.Viewer;
        var (title, detail) = authorizeResult.Forbidden
            ? ("Forbidden", $"this call needs the {needs} role; {context.User.Identity?.Name} has {ApiRoles.Highest(context.User) ?? "none"}")
            : ApiKeyAuthenticationHandler.Presented(context.Request) is null
                ? ("Unauthorized", $"this call needs an API key or a bearer token: send 'Authorization: Bearer <key>' or '{ApiKeyAuthenticationHandler.HeaderName}: <key>'")
                : ("Unauthorized", "the API key or bearer token was not accepted");
        await Results.Problem(detail, statusCode: context.Response.StatusCode, title: title).ExecuteAsync(context);
    }
}

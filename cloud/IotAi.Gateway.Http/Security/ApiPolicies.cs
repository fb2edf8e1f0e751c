using Microsoft.AspNetCore.Authorization;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// The authorization policies of the management API, one per role, each letting in that role and those above it.
/// An endpoint or group says what it needs with <c>.RequireAuthorization(ApiPolicies.Operator)</c>; an endpoint with
/// none needs <see cref="Viewer"/> (the fallback), and only probes say <c>.AllowAnonymous()</c>.
/// </summary>
internal static class ApiPolicies
{
    /// <summary>Reading anything, and inference.</summary>
    public const string Viewer = ApiRoles.Viewer;

    /// <summary>Changing devices, rollouts, labels, training runs and which model version serves.</summary>
    public const string Operator = ApiRoles.Operator;

    /// <summary>Uploading and deleting models, API keys, device credentials, the audit log.</summary>
    public const string Admin = ApiRoles.Admin;

    internal static void Add(AuthorizationOptions options, string scheme)
    {
        foreach (var role in ApiRoles.All)
        {
            options.AddPolicy(role, policy => policy.AddAuthenticationSchemes(scheme).RequireAuthenticatedUser().RequireRole(ApiRoles.AtLeast(role)));
        }

        // Secure by default: an endpoint that says nothing about who may call it still needs a viewer.
        options.FallbackPolicy = options.GetPolicy(Viewer);
    }
}

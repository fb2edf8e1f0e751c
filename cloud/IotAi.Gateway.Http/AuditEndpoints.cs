using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>The audit log of changes made, or refused, through the management API, newest first, for an admin.</summary>
internal static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/audit", static (int? limit, AuditLog audit) => audit.Read(Math.Clamp(limit ?? 100, 1, 10_000)))
            .RequireAuthorization(ApiPolicies.Admin);
        return endpoints;
    }
}

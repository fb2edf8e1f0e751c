using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IotAi.Gateway.Http;

/// <summary>
/// API keys, for an admin: list them (names, roles, where each is kept; never a key or a hash), make one for a role
/// (the key is in the answer and nowhere else), revoke one made here.
/// </summary>
internal static class KeyEndpoints
{
    public static IEndpointRouteBuilder MapKeyApi(this IEndpointRouteBuilder endpoints)
    {
        var keys = endpoints.MapGroup("/api/keys").RequireAuthorization(ApiPolicies.Admin);
        keys.MapGet("/", static (ApiKeyStore store) => store.List());
        keys.MapPost("/", static (KeyRequest request, ApiKeyStore store) =>
        {
            try
            {
                var (key, secret) = store.Create(request.Name, request.Role);
                return Results.Created($"/api/keys/{key.Name}", new CreatedKey(key.Name, key.Role, secret));
            }
            catch (ArgumentException ex)
            {
                return Results.BadRequest(new OipError(ex.Message));
            }
            catch (InvalidOperationException ex)
            {
                return Results.Conflict(new OipError(ex.Message));
            }
        });
        keys.MapDelete("/{name}", static (string name, ApiKeyStore store) =>
        {
            try
            {
                return store.Delete(name) ? Results.NoContent() : Results.NotFound(new OipError($"there is no key '{name}'"));
            }
            catch (InvalidOperationException ex)
            {
                return Results.Conflict(new OipError(ex.Message));
            }
        });
        return endpoints;
    }
}

/// <summary>The body of <c>POST /api/keys</c>.</summary>
internal sealed record KeyRequest(string Name, string Role);

/// <summary>A new key: the only answer that ever holds it.</summary>
internal sealed record CreatedKey(string Name, string Role, string Key);

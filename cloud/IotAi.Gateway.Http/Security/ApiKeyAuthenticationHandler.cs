using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Authenticates a caller by an API key in <c>X-Api-Key</c> or <c>Authorization: Bearer</c>, found by its hash in the
/// <see cref="ApiKeyStore"/>. The caller is named by the key's name and holds its role; the key itself goes nowhere.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Presented(Request) is not { } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(presented) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("the API key was not accepted"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    /// <summary>The key in <c>X-Api-Key</c>, else the token of <c>Authorization: Bearer</c>, else null.</summary>
    internal static string? Presented(HttpRequest request)
    {
        if (request.Headers[HeaderName].FirstOrDefault() is { Length: > 0 } key)
        {
            return key.Trim();
        }

        var authorization = request.Headers.Authorization.FirstOrDefault();
        return authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } token
            ? token
            : null;
    }

    /// <summary>
    /// Which handler reads this request's credentials: a bearer token shaped as a JWT (three dot-separated parts) goes to
    /// JWT bearer when that is on; anything else is an API key, which never holds a dot.
    /// </summary>
    internal static string SchemeFor(HttpContext context, bool jwt) =>
        jwt && context.Request.Headers[HeaderName].Count == 0 && Presented(context.Request) is { } token && token.Count(static c => c == '.') == 2
            ? Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme
            : SchemeName;
}

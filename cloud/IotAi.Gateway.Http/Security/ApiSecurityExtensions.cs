using System.Collections.Concurrent;
using System.Xml.Linq;
using IotAi.Models;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace IotAi.Gateway.Http.Security;

public static class ApiSecurityExtensions
{
    /// <summary>The scheme every policy authenticates with: it hands a request to the API key or the JWT bearer handler.</summary>
    public const string Scheme = "IotAi";

    /// <summary>
    /// API keys (and JWT bearer tokens when <paramref name="security"/> configures them), the role policies of
    /// <see cref="ApiPolicies"/>, JSON problem answers to refusals, the throttle of failed logins, and the key store and
    /// audit log under <paramref name="layout"/>.
    /// </summary>
    public static IServiceCollection AddIotAiApiSecurity(this IServiceCollection services, DataLayout layout, ApiSecurityOptions security)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(security);
        services.AddSingleton<IValidateOptions<ApiSecurityOptions>, ApiSecurityOptionsValidator>();
        services.TryAddSingleton(sp => new ApiKeyStore(layout.Keys, sp.GetRequiredService<IOptions<ApiSecurityOptions>>(),
            sp.GetRequiredService<ILogger<ApiKeyStore>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new AuditLog(layout.Audit, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ApiSecurityOptions>>()));
        services.TryAddSingleton<ApiTelemetry>();
        services.TryAddSingleton(static sp => new LoginThrottle(sp.GetRequiredService<IOptions<ApiSecurityOptions>>().Value.Throttle,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ApiTelemetry>(), sp.GetRequiredService<ILogger<LoginThrottle>>()));
        // The admin key file exists from the start, for the CLI to find, not from the first call.
        services.AddHostedService(static sp => new AtStart(() => sp.GetRequiredService<ApiKeyStore>()));

        var jwt = security.Jwt;
        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or JWT bearer", o => o.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.SchemeFor(context, jwt.Enabled))
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (jwt.Enabled)
        {
            authentication.AddJwtBearer(o => ConfigureJwt(o, jwt));
        }

        // Authentication brings in data protection, which the silo does not use (no cookies, nothing protected); its
        // key ring stays in memory, instead of being written to the user profile with a warning on every first start.
        services.Configure<KeyManagementOptions>(static o => o.XmlRepository = new InMemoryKeyRing());
        services.AddAuthorization(o => ApiPolicies.Add(o, Scheme));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiRefusals>();
        return services;
    }

    private static void ConfigureJwt(JwtBearerOptions options, JwtOptions jwt)
    {
        // Claims keep the names the token gives them, so RoleClaim and NameClaim mean what they say.
        options.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            options.Authority = jwt.Authority;
        }

        options.Audience = jwt.Audience;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = string.IsNullOrWhiteSpace(jwt.Issuer) ? null : jwt.Issuer,
            ValidAudience = jwt.Audience,
            IssuerSigningKey = string.IsNullOrWhiteSpace(jwt.SigningKey) ? null : new SymmetricSecurityKey(Convert.FromBase64String(jwt.SigningKey)),
            RoleClaimType = jwt.RoleClaim,
            NameClaimType = jwt.NameClaim,
        };
    }

    private sealed class InMemoryKeyRing : IXmlRepository
    {
        private readonly ConcurrentQueue<XElement> _elements = new();

        public IReadOnlyCollection<XElement> GetAllElements() => [.. _elements];

        public void StoreElement(XElement element, string friendlyName) => _elements.Enqueue(element);
    }

    private sealed class AtStart(Func<object> resolve) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            resolve();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

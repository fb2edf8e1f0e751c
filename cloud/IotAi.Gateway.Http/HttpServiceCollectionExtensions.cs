using System.Text.Json.Serialization;
using IotAi.Gateway.Http.Dashboard;
using IotAi.Gateway.Http.Probes;
using IotAi.Gateway.Http.Security;
using IotAi.Models;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace IotAi.Gateway.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>
    /// The silo's HTTP front: API keys and JWT bearer tokens as <paramref name="security"/> says (keys and the audit log
    /// under <paramref name="layout"/>), the ops dashboard, and JSON that writes phases and states as words.
    /// </summary>
    public static IServiceCollection AddGatewayHttp(this IServiceCollection services, DataLayout layout, ApiSecurityOptions security)
    {
        ArgumentNullException.ThrowIfNull(layout);
        services.AddIotAiApiSecurity(layout, security);
        services.AddIotAiDashboard();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(static o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }

    /// <summary>
    /// The HTTP front's middleware, in order: authentication, then the audit log (which must see both the caller and
    /// any refusal), then the throttle of failed logins (which must know whether the credentials were accepted, and
    /// whose 429 the audit log records), then authorization, then 503 for a call whose grain is on a silo that is going
    /// (<see cref="ClusterUnavailableAnswers"/>), inside the audit log so it records the 503.
    /// </summary>
    public static IApplicationBuilder UseGatewayHttp(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseMiddleware<AuditMiddleware>();
        app.UseMiddleware<LoginThrottleMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<ClusterUnavailableAnswers>();
        return app;
    }

    /// <summary>
    /// Maps the silo's HTTP endpoints: metrics and probes (<c>/metrics</c> on <paramref name="metricsPort"/> alone when
    /// one is given), the Open Inference Protocol under <c>/v2</c>, the device, rollout, model, sample, training, model
    /// key set, API key and audit APIs under <c>/api</c>, each behind the role it needs (<see cref="ApiPolicies"/>), and
    /// the dashboard, and the API's OpenAPI document (<c>/openapi/v1.json</c>) with a reference page (<c>/scalar</c>). Call <see cref="UseGatewayHttp"/> first, so calls are authenticated and audited.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayHttp(this IEndpointRouteBuilder endpoints, int? metricsPort)
    {
        endpoints.MapProbes(metricsPort);
        endpoints.MapOpenInferenceProtocol();
        endpoints.MapDeviceApi();
        endpoints.MapCredentialApi();
        endpoints.MapRolloutApi();
        endpoints.MapModelApi();
        endpoints.MapModelKeyApi();
        endpoints.MapSampleApi();
        endpoints.MapTrainingApi();
        endpoints.MapKeyApi();
        endpoints.MapAuditApi();
        endpoints.MapIotAiDashboard();
        // The API describes itself: the OpenAPI document at /openapi/v1.json, and a page to browse and try it at /scalar.
        // Neither holds data, so neither needs a key; the calls made from the page need one as any call does.
        endpoints.MapOpenApi().AllowAnonymous();
        endpoints.MapScalarApiReference().AllowAnonymous();
        return endpoints;
    }
}

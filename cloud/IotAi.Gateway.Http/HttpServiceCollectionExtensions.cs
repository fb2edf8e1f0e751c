using System.Text.Json.Serialization;
using IotAi.Gateway.Http.Dashboard;
using IotAi.Gateway.Http.Probes;
using IotAi.Gateway.Http.Security;
using IotAi.Models;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

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
        services.ConfigureHttpJsonOptions(static o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }

    /// <summary>
    /// Maps the silo's HTTP endpoints: metrics and probes (<c>/metrics</c> on <paramref name="metricsPort"/> alone when
    /// one is given), the Open Inference Protocol under <c>/v2</c>, the device, rollout, model, sample, training, model
    /// key set, API key and audit APIs under <c>/api</c>, each behind the role it needs (<see cref="ApiPolicies"/>), and
    /// the dashboard. Call <see cref="ApiSecurityExtensions.UseIotAiApiSecurity"/> first, so calls are authenticated and audited.
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
        return endpoints;
    }
}

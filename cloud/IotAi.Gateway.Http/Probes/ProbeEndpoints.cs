using System.Globalization;
using IotAi.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAi.Gateway.Http.Probes;

/// <summary>
/// What scrapers and kubelets call: Prometheus' <c>/metrics</c>, and the health probes <c>/health/live</c> (the process
/// answers), <c>/health/startup</c> (the checks tagged <see cref="HealthTags.Startup"/>) and <c>/health/ready</c>
/// (those tagged <see cref="HealthTags.Ready"/>). None of them needs credentials: scrapers and kubelets have none.
/// </summary>
internal static class ProbeEndpoints
{
    /// <summary>Maps the probes, and <c>/metrics</c> on <paramref name="metricsPort"/> alone when one is given.</summary>
    public static IEndpointRouteBuilder MapProbes(this IEndpointRouteBuilder endpoints, int? metricsPort)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var metrics = endpoints.MapPrometheusScrapingEndpoint().AllowAnonymous();
        if (metricsPort is int port)
        {
            metrics.RequireHost(string.Create(CultureInfo.InvariantCulture, $"*:{port}"));
        }

        endpoints.MapProbe("/health/live", static _ => false);
        endpoints.MapProbe("/health/startup", static c => c.Tags.Contains(HealthTags.Startup));
        endpoints.MapProbe("/health/ready", Ready);
        return endpoints;
    }

    /// <summary>The checks that decide whether the silo takes traffic, as <c>/health/ready</c> and OIP's <c>/v2/health/ready</c> run them.</summary>
    public static Func<HealthCheckRegistration, bool> Ready { get; } = static c => c.Tags.Contains(HealthTags.Ready);

    /// <summary>
    /// A probe at <paramref name="pattern"/>: the checks <paramref name="predicate"/> picks, 200 with their report, or 503
    /// while one fails. A route handler rather than the health-check middleware, so the probe is in the OpenAPI document.
    /// </summary>
    public static RouteHandlerBuilder MapProbe(this IEndpointRouteBuilder endpoints, string pattern, Func<HealthCheckRegistration, bool> predicate) =>
        endpoints.MapGet(pattern, async (HealthCheckService health, CancellationToken cancellationToken) =>
        {
            var report = await health.CheckHealthAsync(predicate, cancellationToken);
            var body = new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(static e => e.Key, static e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            };
            return Results.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        }).AllowAnonymous();
}

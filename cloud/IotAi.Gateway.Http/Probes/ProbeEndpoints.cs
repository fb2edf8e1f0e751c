using System.Globalization;
using System.Text.Json;
using IotAi.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAi.Gateway.Http.Probes;

/// <summary>
/// What scrapers and kubelets call: Prometheus' <c>/metrics</c>, and the health probes <c>/health/live</c> (the process
/// answers), <c>/health/startup</c> (the checks tagged <see cref="HealthTags.Startup"/>) and <c>/health/ready</c>
/// (those tagged <see cref="HealthTags.Ready"/>). None of them needs credentials: scrapers and kubelets have none.
/// </summary>
public static class ProbeEndpoints
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

        endpoints.MapHealthChecks("/health/live", Probe(static _ => false)).AllowAnonymous();
        endpoints.MapHealthChecks("/health/startup", Probe(static c => c.Tags.Contains(HealthTags.Startup))).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", ReadyProbe).AllowAnonymous();
        return endpoints;
    }

    /// <summary>The readiness checks, as <c>/health/ready</c> answers them.</summary>
    public static HealthCheckOptions ReadyProbe { get; } = Probe(static c => c.Tags.Contains(HealthTags.Ready));

    /// <summary>
    /// The readiness checks as a route handler, for the Open Inference Protocol's <c>/v2/health/ready</c>: the same
    /// answer as <c>/health/ready</c> (503 while a check fails), and described in the API's OpenAPI document.
    /// </summary>
    public static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        var report = await health.CheckHealthAsync(static c => c.Tags.Contains(HealthTags.Ready), cancellationToken);
        return Results.Json(Describe(report), statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private static HealthCheckOptions Probe(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = static (context, report) =>
        {
            context.Response.ContentType = "application/json";
            return JsonSerializer.SerializeAsync(context.Response.Body, Describe(report));
        },
    };

    private static object Describe(HealthReport report) => new
    {
        status = report.Status.ToString(),
        checks = report.Entries.ToDictionary(static e => e.Key, static e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
    };
}

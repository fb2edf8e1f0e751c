using IotAi.Gateway.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IotAi.Gateway.Http.Dashboard;

/// <summary>
/// The ops dashboard: a page at <c>/dashboard</c>, its script and styles, all embedded in this assembly (the silo needs no
/// web root and no internet), and the summary it polls, <c>GET /api/dashboard/summary</c>. The page and its assets hold no
/// data, so anyone may load them; the summary needs a viewer's API key, which the page sends as a bearer token.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["charts.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    public static IServiceCollection AddIotAiDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SiloMeterReader>();
        services.TryAddSingleton<FleetScan>();
        services.TryAddSingleton<DashboardRecorder>();
        services.AddHostedService(static sp => sp.GetRequiredService<DashboardRecorder>());
        return services;
    }

    public static IEndpointRouteBuilder MapIotAiDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/dashboard", static () => Asset("index.html")).AllowAnonymous();
        endpoints.MapGet("/dashboard/{file}", static (string file) => Asset(file)).AllowAnonymous();
        endpoints.MapGet("/api/dashboard/summary", static (DashboardRecorder recorder, HttpContext context) => recorder.SummaryAsync(context.RequestAborted))
            .RequireAuthorization(ApiPolicies.Viewer);
        return endpoints;
    }

    private static IResult Asset(string file)
    {
        if (!Assets.TryGetValue(file, out var contentType)
            || typeof(DashboardEndpoints).Assembly.GetManifestResourceStream($"IotAi.Gateway.Http.Dashboard.{file}") is not { } stream)
        {
            return Results.NotFound();
        }

        return Results.Stream(stream, contentType);
    }
}

using System.Globalization;
using System.Text.Json;
using IotAi.Gateway.Hosting;
using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Training;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IotAi.Gateway.Observability;

/// <summary>
/// How a silo explains itself: its meters (and Orleans' own) through OpenTelemetry, scraped by Prometheus at
/// <c>/metrics</c> always and pushed over OTLP, with its spans and structured logs, when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; and health
/// probes for Kubernetes: <c>/health/live</c> (the process answers), <c>/health/startup</c> (models loaded,
/// cluster joined) and <c>/health/ready</c> (that, and the MQTT listener bound).
/// </summary>
public static class ObservabilityExtensions
{
    public const string ServiceName = "iotai-silo";

    /// <summary>
    /// .NET's own meter: allocated bytes, collections by generation, CPU time, thread pool. A scraper reads it before and
    /// after a run to tell what each message cost the silo in allocations, and whether a run reached Gen2.
    /// </summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>Every meter the silo publishes, the device ids kept out of their tags.</summary>
    public static readonly string[] Meters =
        [
            GatewayTelemetry.MeterName, DeviceTelemetry.MeterName, RolloutTelemetry.MeterName, InferenceTelemetry.MeterName, LearningTelemetry.MeterName, "Microsoft.Orleans",
            RuntimeMeterName,
        ];

    /// <summary>The share of traces a silo records when no share is configured.</summary>
    public const double DefaultTraceSampleRatio = 0.01;

    /// <summary>
    /// Every activity source a silo's spans come from. Orleans' own grain-call spans are left out: the ingress
    /// hands a sampled trace's context to the device grain in the call's request context (see
    /// <c>DeviceTelemetry.TraceParentKey</c>), so unsampled messages make no grain-call spans at all.
    /// </summary>
    public static readonly string[] Sources = [GatewayTelemetry.SourceName, DeviceTelemetry.SourceName, InferenceTelemetry.SourceName, LearningTelemetry.SourceName];

    public static IHostApplicationBuilder AddIotAiObservability(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(static r => r.AddService(ServiceName))
            .WithMetrics(static metrics => metrics.AddMeter(Meters).AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // Spans are made only where something listens: with no collector to send them to, tracing costs nothing.
            // Logs go along, each carrying the trace and span it was written in.
            // A share of traces, decided where each trace starts (the device, or the ingress when it sent none), so a
            // busy silo does not spend on tracing what it spends on answering. Telemetry:TraceSampleRatio sets it. Training runs
            // and model offers are rare and always kept.
            var ratio = builder.Configuration.GetValue("Telemetry:TraceSampleRatio", DefaultTraceSampleRatio);
            otel.WithTracing(tracing => tracing.AddSource(Sources).SetSampler(new PrioritySampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))))
                .WithLogging(static _ => { }, static logs => (logs.IncludeFormattedMessage, logs.IncludeScopes) = (true, true))
                .UseOtlpExporter();
        }

        builder.Services.AddHealthChecks()
            .AddCheck<ModelsLoadedCheck>("models", tags: [HealthTags.Ready, HealthTags.Startup])
            .AddCheck<SiloActiveCheck>("silo", tags: [HealthTags.Ready, HealthTags.Startup])
            .AddCheck<MqttListeningCheck>("mqtt", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/metrics</c> (on <c>Gateway:MetricsPort</c> alone when one is set) and the probes; none of them needs
    /// credentials (scrapers and kubelets have none).
    /// </summary>
    public static IEndpointRouteBuilder MapIotAiObservability(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var metrics = endpoints.MapPrometheusScrapingEndpoint().AllowAnonymous();
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.MetricsPort is int port)
        {
            metrics.RequireHost(string.Create(CultureInfo.InvariantCulture, $"*:{port}"));
        }

        endpoints.MapHealthChecks("/health/live", Probe(static _ => false)).AllowAnonymous();
        endpoints.MapHealthChecks("/health/startup", Probe(static c => c.Tags.Contains(HealthTags.Startup))).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", Probe(static c => c.Tags.Contains(HealthTags.Ready))).AllowAnonymous();
        return endpoints;
    }

    /// <summary>The readiness checks as the Open Inference Protocol's <c>/v2/health/ready</c> answers them.</summary>
    public static HealthCheckOptions ReadyProbe { get; } = Probe(static c => c.Tags.Contains(HealthTags.Ready));

    private static HealthCheckOptions Probe(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = static (context, report) =>
        {
            context.Response.ContentType = "application/json";
            return JsonSerializer.SerializeAsync(context.Response.Body, new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(static e => e.Key, static e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            });
        },
    };
}

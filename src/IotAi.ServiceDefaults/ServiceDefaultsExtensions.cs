using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace IotAi.ServiceDefaults;

/// <summary>The set-up every IotAi process (silo, edge agent, trainer) shares, as .NET Aspire's service defaults do.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The standard variable that names an OpenTelemetry collector; it switches the OTLP exporter on.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Registers health checks, and OpenTelemetry as <paramref name="telemetry"/> describes the process. When
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (configuration or environment), spans, meters and structured logs
    /// (each carrying the trace and span it was written in) are pushed there over OTLP; the other standard
    /// <c>OTEL_*</c> variables (protocol, headers, intervals) apply. Without it no span is made, so tracing costs
    /// nothing, and only <see cref="ServiceTelemetry.LocalMetrics"/> are kept.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, ServiceTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(telemetry);
        builder.Services.AddHealthChecks();
        var collector = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpoint]);
        if (!collector && telemetry.LocalMetrics is null)
        {
            return builder;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddDetector(sp => new DescribedResource(telemetry, sp)))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. telemetry.Meters]);
                telemetry.LocalMetrics?.Invoke(metrics);
            });
        if (collector)
        {
            otel.WithTracing(tracing =>
                {
                    tracing.AddSource([.. telemetry.Sources]);
                    if (telemetry.Sampler is { } sampler)
                    {
                        tracing.SetSampler(sampler);
                    }
                })
                .WithLogging(static _ => { }, static logs => (logs.IncludeFormattedMessage, logs.IncludeScopes) = (true, true))
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>The service's resource, described once the host is built, so it may read bound options.</summary>
    private sealed class DescribedResource(ServiceTelemetry telemetry, IServiceProvider services) : OpenTelemetry.Resources.IResourceDetector
    {
        public OpenTelemetry.Resources.Resource Detect()
        {
            var resource = OpenTelemetry.Resources.ResourceBuilder.CreateEmpty();
            telemetry.Describe(resource, services);
            return resource.Build();
        }
    }
}

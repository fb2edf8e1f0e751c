using IotAi.Edge.Twin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IotAi.Edge;

/// <summary>How an edge agent explains itself to an OpenTelemetry collector, when it has one.</summary>
public static class EdgeTelemetryExtensions
{
    public const string ServiceName = "iotai-edge";

    /// <summary>
    /// When <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (configuration or environment), pushes the agent's spans,
    /// its meters and its structured logs there over OTLP, as service <c>iotai-edge</c> with the device id as
    /// <c>service.instance.id</c>; the other standard <c>OTEL_*</c> variables (protocol, headers, intervals) apply.
    /// Spans are a share of traces, <see cref="EdgeAgentOptions.TraceSampleRatio"/>, decided where each trace
    /// starts. Without the endpoint nothing is registered: no span is made, and tracing costs nothing.
    /// </summary>
    public static IHostApplicationBuilder AddEdgeTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        // Logs go along, each carrying the trace and span it was written in.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(static r => r
                .AddService(ServiceName, serviceVersion: TwinReporter.AgentVersion, autoGenerateServiceInstanceId: false)
                .AddDetector(static sp => new DeviceResource(Options(sp).DeviceId)))
            .WithTracing(static tracing => tracing
                .AddSource(EdgeTelemetry.SourceName)
                .SetSampler(static sp => new ParentBasedSampler(new TraceIdRatioBasedSampler(Options(sp).TraceSampleRatio))))
            .WithMetrics(static metrics => metrics.AddMeter(EdgeTelemetry.MeterName))
            .WithLogging(static _ => { }, static logs => (logs.IncludeFormattedMessage, logs.IncludeScopes) = (true, true))
            .UseOtlpExporter();
        return builder;
    }

    // Read when the providers are built, after the options are bound and validated.
    private static EdgeAgentOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<EdgeAgentOptions>>().Value;

    /// <summary>The device is the service's instance: one resource attribute, so no metric needs it as a tag.</summary>
    private sealed class DeviceResource(string deviceId) : IResourceDetector
    {
        public Resource Detect() => new([new KeyValuePair<string, object>("service.instance.id", deviceId)]);
    }
}

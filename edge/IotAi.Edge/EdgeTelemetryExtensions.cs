using IotAi.Edge.Twin;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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
    /// starts. Without the endpoint no span is made, and tracing costs nothing (see <see cref="ServiceDefaultsExtensions.AddServiceDefaults"/>).
    /// </summary>
    public static IHostApplicationBuilder AddEdgeTelemetry(this IHostApplicationBuilder builder) =>
        builder.AddServiceDefaults(new ServiceTelemetry
        {
            ServiceName = ServiceName,
            ServiceVersion = TwinReporter.AgentVersion,
            // The device is the service's instance: one resource attribute, so no metric needs it as a tag.
            InstanceId = static sp => Options(sp).DeviceId,
            Meters = [EdgeTelemetry.MeterName],
            Sources = [EdgeTelemetry.SourceName],
            Sampler = static sp => new ParentBasedSampler(new TraceIdRatioBasedSampler(Options(sp).TraceSampleRatio)),
        });

    // Read when the providers are built, after the options are bound and validated.
    private static EdgeAgentOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<EdgeAgentOptions>>().Value;
}

using IotAi.Gateway.Http;
using IotAi.Gateway.Learning;
using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Storage.Journal;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Inference;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace IotAi.Silo;

/// <summary>
/// How a silo explains itself: its meters (and Orleans' own) through OpenTelemetry, scraped by Prometheus at
/// <c>/metrics</c> always and pushed over OTLP, with its spans and structured logs, when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; and the health checks behind its probes, each added by the part it checks,
/// and the silo's own: active in its cluster.
/// </summary>
public static class SiloObservability
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
            GatewayTelemetry.MeterName, DeviceTelemetry.MeterName, RolloutTelemetry.MeterName, InferenceTelemetry.MeterName, LearningTelemetry.MeterName,
            ApiTelemetry.MeterName, JournalTelemetry.MeterName, "Microsoft.Orleans", RuntimeMeterName,
        ];

    /// <summary>The share of traces a silo records when no share is configured.</summary>
    public const double DefaultTraceSampleRatio = 0.01;

    /// <summary>
    /// Every activity source a silo's spans come from. Orleans' own grain-call spans are left out: the ingress
    /// hands a sampled trace's context to the device grain in the call's request context (see
    /// <see cref="DeviceCallContext.TraceParentKey"/>), so unsampled messages make no grain-call spans at all.
    /// </summary>
    public static readonly string[] Sources = [GatewayTelemetry.SourceName, DeviceTelemetry.SourceName, InferenceTelemetry.SourceName, LearningTelemetry.SourceName];

    public static IHostApplicationBuilder AddSiloObservability(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // A share of traces, decided where each trace starts (the device, or the ingress when it sent none), so a busy
        // silo does not spend on tracing what it spends on answering. Telemetry:TraceSampleRatio sets it. Training runs
        // and model offers are rare and always kept.
        var ratio = builder.Configuration.GetValue($"{TraceSamplingOptions.SectionName}:{nameof(TraceSamplingOptions.TraceSampleRatio)}", DefaultTraceSampleRatio);
        builder.Services.AddOptions<TraceSamplingOptions>().BindConfiguration(TraceSamplingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.AddServiceDefaults(new ServiceTelemetry
        {
            ServiceName = ServiceName,
            Meters = Meters,
            Sources = Sources,
            Sampler = _ => new PrioritySampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio))),
            LocalMetrics = static metrics => metrics.AddPrometheusExporter(),
        });
        builder.Services.AddHealthChecks().AddCheck<SiloActiveCheck>("silo", tags: [HealthTags.Ready, HealthTags.Startup]);
        return builder;
    }
}

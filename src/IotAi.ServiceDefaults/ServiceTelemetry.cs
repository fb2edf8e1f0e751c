using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IotAi.ServiceDefaults;

/// <summary>What a process tells OpenTelemetry about itself (see <see cref="ServiceDefaultsExtensions.AddServiceDefaults"/>).</summary>
public sealed class ServiceTelemetry
{
    /// <summary>The <c>service.name</c> of every span, metric and log the process sends.</summary>
    public required string ServiceName { get; init; }

    public string? ServiceVersion { get; init; }

    /// <summary>Its <c>service.instance.id</c>, read once the host is built and its options are bound; unset, one is made up.</summary>
    public Func<IServiceProvider, string>? InstanceId { get; init; }

    /// <summary>Every meter the process publishes; tags name kinds and reasons, never devices.</summary>
    public IReadOnlyList<string> Meters { get; init; } = [];

    /// <summary>Every activity source its spans come from.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Which traces are recorded, decided where each starts; unset, all of them.</summary>
    public Func<IServiceProvider, Sampler>? Sampler { get; init; }

    /// <summary>
    /// Metrics the process serves itself (a Prometheus endpoint): when set, metrics are on with or without a
    /// collector; unset, they are sent only to a collector.
    /// </summary>
    public Action<MeterProviderBuilder>? LocalMetrics { get; init; }

    internal void Describe(ResourceBuilder resource, IServiceProvider services)
    {
        if (InstanceId is null)
        {
            resource.AddService(ServiceName, serviceVersion: ServiceVersion);
            return;
        }

        resource.AddService(ServiceName, serviceVersion: ServiceVersion, serviceInstanceId: InstanceId(services), autoGenerateServiceInstanceId: false);
    }
}

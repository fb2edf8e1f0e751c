using IotAi.Gateway.Mqtt.Identity;
using IotAi.Gateway.Mqtt.Limits;
using IotAi.Gateway.Mqtt.Sessions;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace IotAi.Gateway.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// The silo's MQTT front: the embedded broker on <c>Mqtt:Port</c> (and TLS when <c>Mqtt:Tls</c> names a
    /// certificate), its limits, device identity, model chunk serving, and a readiness check that the listener is bound.
    /// Register it after the silo: hosted services start in order, and devices must not arrive before their grains can.
    /// </summary>
    public static IServiceCollection AddGatewayMqtt(this IServiceCollection services)
    {
        services.AddDeviceIdentity();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayTelemetry>();
        services.TryAddSingleton<ModelChunkServer>();
        services.AddValidatedOptions<MqttIngressOptions>(MqttIngressOptions.SectionName);
        services.AddValidatedOptions<MqttTlsOptions>(MqttTlsOptions.SectionName);
        services.AddValidatedOptions<MqttLimitsOptions>(MqttLimitsOptions.SectionName);
        services.TryAddSingleton<IngressLimits>();
        services.TryAddSingleton<ClientTerms>();
        services.TryAddSingleton<Cluster.ClusterBroker>();
        services.AddValidatedOptions<External.ExternalBrokerOptions>(External.ExternalBrokerOptions.SectionName);
        services.TryAddSingleton<External.ExternalBroker>();
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<MqttLimitsOptions>>().Value.Payloads());
        services.AddResiliencePipeline(GrainCallPipeline.Key, static (builder, context) => GrainCallPipeline.Configure(builder,
            context.ServiceProvider.GetRequiredService<IOptions<MqttIngressOptions>>().Value, context.ServiceProvider.GetRequiredService<ILogger<MqttIngress>>()));
        services.TryAddSingleton<MqttIngress>();
        services.AddHostedService(static sp => sp.GetRequiredService<MqttIngress>());
        services.AddHealthChecks().AddCheck<MqttListeningCheck>("mqtt", tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>
    /// Device identity without the broker: credentials (<c>Devices:Authentication</c>), and the ingress policy that
    /// authenticates devices and checks their topics. The management API enrols devices through it.
    /// </summary>
    public static IServiceCollection AddDeviceIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<DeviceAuthenticationOptions>(DeviceAuthenticationOptions.SectionName);
        services.TryAddSingleton<DeviceCredentials>();
        services.TryAddSingleton<IIngressPolicy, DeviceIdentityPolicy>();
        return services;
    }
}

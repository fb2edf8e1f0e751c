using System.Net;
using System.Text.Json.Serialization;
using IotAi.Gateway.Dashboard;
using IotAi.Gateway.Http;
using IotAi.Gateway.Identity;
using IotAi.Gateway.Mqtt;
using IotAi.Gateway.Observability;
using IotAi.Gateway.Security;
using IotAi.Gateway.Mqtt.Limits;
using IotAi.Gateway.Storage;
using IotAi.Grains;
using IotAi.Grains.Rollouts;
using IotAi.Learning;
using IotAi.Gateway.Training;
using IotAi.Training;
using IotAi.Inference;
using IotAi.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace IotAi.Gateway.Hosting;

public static class GatewayHostingExtensions
{
    /// <summary>
    /// Makes this host one IotAi silo: clustering (localhost by default, or Redis membership, with Kubernetes hosting in a
    /// pod), grain state (files under the data directory, or a database), the model registry, the model host and the
    /// embedded MQTT broker; on a web application also HTTP on <c>Gateway:HttpPort</c> (and <c>Gateway:MetricsPort</c>)
    /// for <see cref="MapIotAiEndpoints"/>.
    /// </summary>
    public static IHostApplicationBuilder AddIotAiSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var gateway = Bind<GatewayOptions>(builder, GatewayOptions.SectionName);
        var cluster = Bind<ClusterOptions>(builder, ClusterOptions.SectionName);
        var security = Bind<ApiSecurityOptions>(builder, ApiSecurityOptions.SectionName);
        var storage = Bind<GrainStorageOptions>(builder, GrainStorageOptions.SectionName);

        // Hosted services start in this order: API keys (the generated admin key is on disk before anything listens),
        // models are on disk, then loaded, then the silo, then the model key set devices are given, then MQTT.
        builder.Services.AddIotAiApiSecurity(gateway, security);
        // Its in-memory key ring protects nothing (see AddIotAiApiSecurity), so its warning about unencrypted keys is noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddIotAiSiloServices(gateway, storage);
        builder.UseOrleans(silo => ClusterSetup.Configure(silo, cluster, builder.Configuration));
        // Services stop in the reverse order they start: MQTT first (devices are told to use another silo), then the silo.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = gateway.ShutdownTimeout);
        builder.Services.AddHostedService<ModelKeySetPublisher>();
        builder.Services.AddIotAiDashboard();
        builder.Services.AddMqttIngress();
        builder.AddIotAiObservability();
        builder.Services.AddHostedService<RolloutWaker>();
        // Phases and states read as words in the management API, not as numbers.
        builder.Services.ConfigureHttpJsonOptions(static o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Parse(gateway.HttpBindAddress), gateway.HttpPort);
                if (gateway.MetricsPort is int metrics && metrics != gateway.HttpPort)
                {
                    kestrel.Listen(IPAddress.Parse(gateway.HttpBindAddress), metrics);
                }
            });
        }

        return builder;
    }

    /// <summary>
    /// Maps the silo's HTTP endpoints: the Open Inference Protocol under <c>/v2</c>, the device, rollout, model, sample,
    /// training, model key set, API key and audit APIs under <c>/api</c>, each behind the role it needs (<see cref="ApiPolicies"/>). Call
    /// <see cref="ApiSecurityExtensions.UseIotAiApiSecurity"/> first, so calls are authenticated and audited.
    /// </summary>
    public static IEndpointRouteBuilder MapIotAiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapIotAiObservability();
        endpoints.MapOpenInferenceProtocol();
        endpoints.MapDeviceApi();
        endpoints.MapCredentialApi();
        endpoints.MapRolloutApi();
        endpoints.MapModelApi();
        endpoints.MapModelKeyApi();
        endpoints.MapSampleApi();
        endpoints.MapTrainingApi();
        endpoints.MapKeyApi();
        endpoints.MapAuditApi();
        endpoints.MapIotAiDashboard();
        return endpoints;
    }

    /// <summary>
    /// Everything a silo runs but its clustering and its MQTT broker: the model registry, keys and host (with
    /// the shipped models installed into an empty registry), grain state as <paramref name="storage"/> says (files under
    /// <paramref name="gateway"/>'s data directory by default), and the gateway's own services. Test clusters use it, so
    /// they run what a real silo runs.
    /// </summary>
    public static IServiceCollection AddIotAiSiloServices(this IServiceCollection services, GatewayOptions gateway, GrainStorageOptions? storage = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        services.Configure<Orleans.Configuration.GrainCollectionOptions>(o => o.ClassSpecificCollectionAge[typeof(DeviceGrain).FullName!] = gateway.DeviceIdleAge);
        services.AddGatewayServices();
        services.AddHostedService<DefaultModelInstaller>();
        services.AddModelHost();
        services.PostConfigure<ModelHostOptions>(models =>
        {
            if (string.IsNullOrEmpty(models.Directory))
            {
                models.Directory = gateway.ModelsDirectory;
            }

            if (string.IsNullOrEmpty(models.KeysDirectory))
            {
                models.KeysDirectory = gateway.KeysDirectory;
            }
        });
        services.AddIotAiGrainStorage(DeviceGrain.StorageName, gateway, storage ?? new GrainStorageOptions());
        services.AddOptions<CaptureSettings>().BindConfiguration(CaptureSettings.SectionName);
        services.TryAddSingleton(new FileSampleStore(gateway.SamplesDirectory));
        services.TryAddSingleton(new ConfidenceDrift());
        services.TryAddSingleton(static sp => new LiveAccuracy(sp.GetRequiredService<IOptions<TrainingOptions>>().Value.AccuracyWindow));
        services.TryAddSingleton<LearningMetrics>();
        services.TryAddSingleton<SampleCapture>();
        services.TryAddSingleton(new DatasetStore(gateway.DatasetsDirectory));
        services.TryAddSingleton(new VersionDatasets(gateway.DatasetsDirectory));
        services.TryAddSingleton(sp => new TrainingRunner(sp.GetRequiredService<FileSampleStore>(), sp.GetRequiredService<DatasetStore>(), sp.GetRequiredService<VersionDatasets>(),
            sp.GetRequiredService<ModelRegistry>(), sp.GetRequiredService<ModelKeyring>().Signer, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(new TrainingOutcomeStore(gateway.Layout.TrainingRuns));
        services.AddTrainingExecutors();
        services.TryAddSingleton<TrainingService>();
        services.TryAddSingleton<LearningTelemetry>();
        services.TryAddSingleton<TrainingTriggers>();
        services.AddHostedService(static sp => sp.GetRequiredService<TrainingTriggers>());
        services.AddOptions<TeachingOptions>().BindConfiguration(TeachingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<TeacherLabelling>();
        services.AddHostedService(static sp => sp.GetRequiredService<TeacherLabelling>());
        return services;
    }

    /// <summary>The gateway's services that do not depend on how the silo is clustered or where it keeps data.</summary>
    public static IServiceCollection AddGatewayServices(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<DeviceTelemetry>();
        services.TryAddSingleton<RolloutTelemetry>();
        services.TryAddSingleton<GatewayTelemetry>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DeviceAuthenticationOptions>().BindConfiguration(DeviceAuthenticationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<DeviceCredentials>();
        services.TryAddSingleton<IIngressPolicy, DeviceIdentityPolicy>();
        services.TryAddSingleton<ModelOffers>();
        services.TryAddSingleton<ModelChunkServer>();
        services.AddOptions<OtaOptions>().BindConfiguration(OtaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static IServiceCollection AddMqttIngress(this IServiceCollection services)
    {
        services.AddOptions<MqttIngressOptions>()
            .BindConfiguration(MqttIngressOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<MqttTlsOptions>().BindConfiguration(MqttTlsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MqttLimitsOptions>()
            .BindConfiguration(MqttLimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IngressLimits>();
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<MqttLimitsOptions>>().Value.Payloads());
        services.TryAddSingleton<MqttIngress>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttIngress>());
        return services;
    }

    /// <summary>Binds and validates options now, because clustering and storage are chosen while the host is built.</summary>
    private static T Bind<T>(IHostApplicationBuilder builder, string section)
        where T : class, new()
    {
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        var value = new T();
        builder.Configuration.GetSection(section).Bind(value);
        return value;
    }
}

using IotAi.Grains.Rollouts;
using IotAi.Inference;
using IotAi.Models;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;

namespace IotAi.Grains.Hosting;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// What the grains run on in a silo: the model registry, its keys and the model host (with the shipped models
    /// installed into an empty registry first), model offers, the grains' meters, and the tasks that run once the silo
    /// is active (publishing the model key set, waking unfinished rollouts). A device grain is put away after
    /// <see cref="GatewayOptions.DeviceIdleAge"/>. Grain storage and the learning service are composed beside it.
    /// </summary>
    public static IServiceCollection AddIotAiGrains(this IServiceCollection services, GatewayOptions gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        services.Configure<Orleans.Configuration.GrainCollectionOptions>(o => o.ClassSpecificCollectionAge[typeof(DeviceGrain).FullName!] = gateway.DeviceIdleAge);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeviceTelemetry>();
        services.TryAddSingleton<RolloutTelemetry>();
        services.TryAddSingleton<ModelOffers>();
        services.AddValidatedOptions<OtaOptions>(OtaOptions.SectionName);
        services.AddValidatedOptions<RetainedMessagesOptions>(RetainedMessagesOptions.SectionName);

        // The shipped models are on disk before the model host loads the registry: hosted services start in order.
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
        services.AddHealthChecks().AddCheck<ModelsLoadedCheck>("models", tags: [HealthTags.Ready, HealthTags.Startup]);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ModelKeySetPublisher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RolloutWaker>();
        return services;
    }
}

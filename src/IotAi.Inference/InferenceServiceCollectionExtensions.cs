using IotAi.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IotAi.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Adds the model registry with this party's signing keys (<c>Models:Signing</c>) and the model host,
    /// bound to <c>Models</c> and validated on start; the host loads the registry's active models as a hosted service.
    /// </summary>
    public static IServiceCollection AddModelHost(this IServiceCollection services)
    {
        services.AddOptions<ModelHostOptions>()
            .BindConfiguration(ModelHostOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelHostOptions>, ModelHostOptionsAnnotations>());
        services.AddOptions<ModelSigningOptions>().BindConfiguration(ModelSigningOptions.SectionName);
        services.AddMetrics();
        services.TryAddSingleton(sp => ModelKeyring.Load(
            sp.GetRequiredService<IOptions<ModelSigningOptions>>().Value,
            sp.GetRequiredService<IOptions<ModelHostOptions>>().Value.KeysDirectory));
        services.TryAddSingleton(sp => new ModelRegistry(
            sp.GetRequiredService<IOptions<ModelHostOptions>>().Value.Directory,
            sp.GetRequiredService<ModelKeyring>().Trusted));
        services.TryAddSingleton<InferenceTelemetry>();
        services.TryAddSingleton<ModelHost>();
        services.TryAddSingleton<IModelHost>(sp => sp.GetRequiredService<ModelHost>());
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        return services;
    }
}

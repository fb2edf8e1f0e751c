using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IotAi.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>Adds the model host, bound to <c>Models</c> and validated on start; it loads models as a hosted service.</summary>
    public static IServiceCollection AddModelHost(this IServiceCollection services)
    {
        services.AddOptions<ModelHostOptions>()
            .BindConfiguration(ModelHostOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton<InferenceTelemetry>();
        services.TryAddSingleton<ModelHost>();
        services.TryAddSingleton<IModelHost>(sp => sp.GetRequiredService<ModelHost>());
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        return services;
    }
}

using IotAi.Gateway.Training.Kubernetes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Training;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// The training options, and the executor <c>Learning:Training:Executor</c> chooses: in process, or Kubernetes
    /// Jobs through the in-cluster service account (or <c>Learning:Training:Job:ApiServer</c>, or the kubeconfig).
    /// </summary>
    public static IServiceCollection AddTrainingExecutors(this IServiceCollection services)
    {
        services.AddOptions<TrainingOptions>().BindConfiguration(TrainingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TrainingJobOptions>().BindConfiguration(TrainingJobOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<InProcessTraining>();
        services.TryAddSingleton<IKubernetes>(static sp => new k8s.Kubernetes(ClientConfiguration(sp.GetRequiredService<IOptions<TrainingJobOptions>>().Value)));
        services.TryAddSingleton<KubernetesTrainingJobs>();
        services.TryAddSingleton<ITrainingExecutor>(static sp => sp.GetRequiredService<IOptions<TrainingOptions>>().Value.Executor switch
        {
            TrainingExecutor.KubernetesJob => sp.GetRequiredService<KubernetesTrainingJobs>(),
            _ => sp.GetRequiredService<InProcessTraining>(),
        });
        return services;
    }

    private static KubernetesClientConfiguration ClientConfiguration(TrainingJobOptions options) =>
        options.ApiServer is { } server ? new KubernetesClientConfiguration { Host = server.ToString() }
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildDefaultConfig();
}

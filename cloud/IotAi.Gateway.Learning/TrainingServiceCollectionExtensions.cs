using IotAi.Gateway.Learning.Kubernetes;
using IotAi.Learning;
using IotAi.Models;
using IotAi.ServiceDefaults;
using IotAi.Training;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Learning;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>
    /// The silo's learning service, with its data under <paramref name="layout"/>: sample capture (what the device
    /// grains keep, live accuracy and drift), dataset snapshots and each version's training and regression data,
    /// training runs and their outcomes, the retraining triggers and teacher labelling. It trains against the model
    /// registry and signs with the keys the grains' model host uses.
    /// </summary>
    public static IServiceCollection AddGatewayLearning(this IServiceCollection services, DataLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<CaptureSettings>().BindConfiguration(CaptureSettings.SectionName);
        // Kept samples are flushed to disk as grain state is, when the silo is told to (Gateway:FsyncState).
        services.TryAddSingleton(sp => new FileSampleStore(layout.Samples, sp.GetRequiredService<IConfiguration>().GetValue<bool>("Gateway:FsyncState")));
        services.TryAddSingleton(new ConfidenceDrift());
        services.TryAddSingleton(static sp => new LiveAccuracy(sp.GetRequiredService<IOptions<TrainingOptions>>().Value.AccuracyWindow));
        services.TryAddSingleton<LearningMetrics>();
        services.TryAddSingleton<SampleCapture>();
        services.TryAddSingleton(new DatasetStore(layout.Datasets));
        services.TryAddSingleton(new VersionDatasets(layout.Datasets));
        services.TryAddSingleton(static sp => new TrainingRunner(sp.GetRequiredService<FileSampleStore>(), sp.GetRequiredService<DatasetStore>(), sp.GetRequiredService<VersionDatasets>(),
            sp.GetRequiredService<ModelRegistry>(), sp.GetRequiredService<ModelKeyring>().Signer, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(new TrainingOutcomeStore(layout.TrainingRuns));
        services.AddTrainingExecutors();
        services.TryAddSingleton<TrainingService>();
        services.TryAddSingleton<LearningTelemetry>();
        services.TryAddSingleton<TrainingTriggers>();
        services.AddHostedService(static sp => sp.GetRequiredService<TrainingTriggers>());
        services.AddValidatedOptions<TeachingOptions>(TeachingOptions.SectionName);
        services.TryAddSingleton<TeacherLabelling>();
        services.AddHostedService(static sp => sp.GetRequiredService<TeacherLabelling>());
        return services;
    }

    /// <summary>
    /// The training options, and the executor <c>Learning:Training:Executor</c> chooses: in process, or Kubernetes
    /// Jobs through the in-cluster service account (or <c>Learning:Training:Job:ApiServer</c>, or the kubeconfig).
    /// </summary>
    private static IServiceCollection AddTrainingExecutors(this IServiceCollection services)
    {
        services.AddValidatedOptions<TrainingOptions>(TrainingOptions.SectionName);
        services.AddValidatedOptions<TrainingJobOptions>(TrainingJobOptions.SectionName);
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

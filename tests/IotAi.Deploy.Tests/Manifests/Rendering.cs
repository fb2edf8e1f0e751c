using IotAi.Deploy.Tests.Checks;
using IotAi.Gateway.Learning.Kubernetes;
using IotAi.Training;
using k8s.Models;

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>
/// A kustomization as the checks see it: what it renders, plus the training Job the silo would create with the
/// rendered settings, so the pods the silo makes at run time are held to the same rules.
/// </summary>
public static class Rendering
{
    /// <summary>The example run of deploy/k8s/reference/trainer-job.yaml.</summary>
    public static TrainingRequest ExampleRun { get; } = new("sensor-anomaly", RunId: "sensor-anomaly-20261129101500-ab12");

    public static ManifestSet Load(string kustomization)
    {
        var set = ManifestSet.Render(kustomization);
        return set.LoadErrors.Count > 0 ? set : set.With(TrainingJob(set));
    }

    /// <summary>The Job the silo's code builds for <see cref="ExampleRun"/> with the silo's settings in <paramref name="set"/>.</summary>
    public static V1Job TrainingJob(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var settings = set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container);
        var job = TrainingJobSpec.Build(ExampleRun, SettingsChecks.Bind<TrainingJobOptions>(settings, TrainingJobOptions.SectionName));
        job.Metadata.NamespaceProperty = NamespaceChecks.Namespace;
        return job;
    }
}

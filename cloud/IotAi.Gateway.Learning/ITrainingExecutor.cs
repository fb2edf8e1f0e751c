using IotAi.Training;

namespace IotAi.Gateway.Learning;

/// <summary>
/// Where a training run executes. <see cref="InProcessTraining"/> runs it on a thread of this silo, which is the
/// default; <see cref="Kubernetes.KubernetesTrainingJobs"/> runs it as a Kubernetes Job beside the silos, on the
/// data volume they share. Either way the run ends in the same <see cref="TrainingOutcome"/>, and anything that
/// kept it from reaching a verdict is thrown.
/// </summary>
public interface ITrainingExecutor
{
    Task<TrainingOutcome> RunAsync(TrainingRequest request, IProgress<string> progress, CancellationToken cancellationToken);
}

using k8s.Models;

namespace IotAi.Deploy;

/// <summary>
/// When a Deployment counts as ready, as <c>kubectl rollout status</c> judges it: the controller has seen the latest
/// spec, every desired replica runs the new template and is ready and available, and no old replica is left.
/// </summary>
public static class DeploymentReadiness
{
    /// <summary>What keeps <paramref name="deployment"/> from being ready, or null when it is.</summary>
    public static string? Problem(V1Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var desired = deployment.Spec?.Replicas ?? 1;
        var status = deployment.Status ?? new V1DeploymentStatus();
        var (total, updated, ready, available) = (status.Replicas ?? 0, status.UpdatedReplicas ?? 0, status.ReadyReplicas ?? 0, status.AvailableReplicas ?? 0);
        return (status.ObservedGeneration ?? 0) < (deployment.Metadata?.Generation ?? 0) ? "the Deployment controller has not acted on the latest change yet"
            : ready < desired ? $"not all replicas are ready: {ready} of {desired} ready"
            : updated < desired ? $"not all replicas are updated: {updated} of {desired} run the latest template"
            : total > updated ? $"{total - updated} old replica(s) still running"
            : available < desired ? $"not all replicas are available: {available} of {desired} available"
            : null;
    }
}

using k8s;
using k8s.Autorest;
using k8s.Models;

namespace IotAi.Deploy;

/// <summary>
/// Reads the silos' rollout as the cluster reports it: the Deployment, its pods (by the Deployment's own selector),
/// and the autoscaler and disruption budget named after it, as the manifests name them. Waiting watches the
/// Deployment, resuming when the server ends a watch, rather than polling.
/// </summary>
public sealed class DeploymentStatusReader(IKubernetes client, string @namespace, string name)
{
    public async Task<DeploymentSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var deployment = await OrNullAsync(client.AppsV1.ReadNamespacedDeploymentAsync(name, @namespace, cancellationToken: cancellationToken));
        if (deployment is null)
        {
            return new DeploymentSnapshot(@namespace, name, null, [], null, null);
        }

        var pods = await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: Selector(deployment.Spec.Selector), cancellationToken: cancellationToken);
        var autoscaler = await OrNullAsync(client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, @namespace, cancellationToken: cancellationToken));
        var budget = await OrNullAsync(client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(name, @namespace, cancellationToken: cancellationToken));
        return new DeploymentSnapshot(@namespace, name, deployment, [.. pods.Items.OrderBy(static p => p.Metadata.Name, StringComparer.Ordinal)], autoscaler, budget);
    }

    /// <summary>Watches the Deployment until every replica is updated and ready; false when <paramref name="timeout"/> passes first.</summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var selector = $"metadata.name={name}";
        try
        {
            while (true)
            {
                // List, then watch from the list's version: nothing that happens in between is missed.
                var list = await client.AppsV1.ListNamespacedDeploymentAsync(@namespace, fieldSelector: selector, cancellationToken: deadline.Token);
                if (list.Items.FirstOrDefault() is { } current && DeploymentReadiness.Problem(current) is null)
                {
                    return true;
                }

                try
                {
                    await foreach (var (type, deployment) in client.AppsV1.WatchListNamespacedDeploymentAsync(@namespace, fieldSelector: selector,
                        resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: (int)Math.Clamp(timeout.TotalSeconds, 1, 300), cancellationToken: deadline.Token))
                    {
                        if (type is WatchEventType.Added or WatchEventType.Modified && DeploymentReadiness.Problem(deployment) is null)
                        {
                            return true;
                        }
                    }
                }
                catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
                {
                    // The server ended a watch that had nothing to say; the client reads that as a stream cut short.
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A label selector in the query form the API takes, e.g. <c>app=silo,tier in (a,b)</c>.</summary>
    public static string Selector(V1LabelSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var labels = (selector.MatchLabels ?? new Dictionary<string, string>()).Select(static l => $"{l.Key}={l.Value}");
        var expressions = (selector.MatchExpressions ?? []).Select(static e => e.OperatorProperty switch
        {
            "Exists" => e.Key,
            "DoesNotExist" => $"!{e.Key}",
            var op => $"{e.Key} {op.ToLowerInvariant()} ({string.Join(',', e.Values ?? [])})",
        });
        return string.Join(',', labels.Concat(expressions));
    }

    private static async Task<T?> OrNullAsync<T>(Task<T> read)
        where T : class
    {
        try
        {
            return await read;
        }
        catch (HttpOperationException ex) when (ApiServerReplies.IsNotFound(ex))
        {
            return null;
        }
    }
}

/// <summary>What <c>iotai deploy status</c> shows: the Deployment (null when there is none), its pods, its autoscaler and disruption budget.</summary>
public sealed record DeploymentSnapshot(
    string Namespace,
    string Name,
    V1Deployment? Deployment,
    IReadOnlyList<V1Pod> Pods,
    V2HorizontalPodAutoscaler? Autoscaler,
    V1PodDisruptionBudget? DisruptionBudget)
{
    /// <summary>Why the silos are not all ready, or null when they are.</summary>
    public string? Problem => Deployment is null ? $"there is no Deployment {Name} in namespace {Namespace}" : DeploymentReadiness.Problem(Deployment);
}

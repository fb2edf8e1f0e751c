using System.Reflection;
using k8s;
using k8s.Models;

namespace IotAi.Deploy;

/// <summary>
/// The order objects go to the API server in, so each finds what it refers to: the namespace, then cluster-scoped
/// objects and RBAC, then what pods mount, the workloads, and last what points at them. Within a rank the rendered
/// order is kept. Where each kind lives (its REST path) comes from the client's models.
/// </summary>
public static class ApplyOrder
{
    private static readonly string[][] Ranks =
    [
        ["Namespace"],
        ["CustomResourceDefinition", "PriorityClass", "StorageClass", "IngressClass", "ClusterRole", "ClusterRoleBinding", "ServiceAccount", "Role", "RoleBinding"],
        ["ConfigMap", "Secret", "PersistentVolume", "PersistentVolumeClaim"],
        ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"],
        ["Service"],
        ["Ingress"],
        ["HorizontalPodAutoscaler"],
        ["PodDisruptionBudget"],
        ["NetworkPolicy"],
    ];

    private static readonly HashSet<string> ClusterScoped = new(StringComparer.Ordinal)
    {
        "Namespace", "CustomResourceDefinition", "PriorityClass", "StorageClass", "IngressClass", "ClusterRole", "ClusterRoleBinding",
        "PersistentVolume", "Node", "RuntimeClass", "CSIDriver", "VolumeAttachment", "APIService",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    };

    /// <summary><paramref name="objects"/> in the order to apply them; kinds not named above go last.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Sort(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        [.. objects.OrderBy(static o => Rank(o.Kind))];

    public static int Rank(string kind)
    {
        var rank = Array.FindIndex(Ranks, r => r.Contains(kind, StringComparer.Ordinal));
        return rank < 0 ? Ranks.Length : rank;
    }

    /// <summary>The group, version and plural of <paramref name="item"/>'s REST path, and whether it lives in a namespace.</summary>
    public static ApiResource ResourceOf(IKubernetesObject<V1ObjectMeta> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var entity = item.GetType().GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{item.Kind} {item.Metadata?.Name}: the Kubernetes client has no model for this kind");
        var slash = item.ApiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? ("", item.ApiVersion) : (item.ApiVersion[..slash], item.ApiVersion[(slash + 1)..]);
        return new ApiResource(group, version, entity.PluralName, Namespaced: !ClusterScoped.Contains(item.Kind));
    }
}

/// <summary>Where a kind's objects are served: <c>/api/v1</c> for the core group, else <c>/apis/{group}/{version}</c>, then <c>plural</c>.</summary>
public sealed record ApiResource(string Group, string Version, string Plural, bool Namespaced);

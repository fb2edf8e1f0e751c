using System.Text.RegularExpressions;
using IotAi.Deploy.Tests.Manifests;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>
/// What the silo's service account must be allowed: the KubernetesClient calls the training executor makes,
/// read from its source so a new call cannot go unnoticed, and the calls of Orleans' Kubernetes hosting.
/// </summary>
public static partial class RequiredPermissions
{
    public const string TrainingSource = "cloud/IotAi.Gateway.Learning/Kubernetes";

    /// <summary>
    /// Microsoft.Orleans.Hosting.Kubernetes' cluster agent (KubernetesClusterAgent): reads its own pod, patches the
    /// cluster's labels onto it, lists the cluster's pods, watches them to declare a deleted pod's silo dead, and
    /// deletes the pod of a silo the cluster declared dead (DeleteDefunctSiloPods).
    /// </summary>
    public static IReadOnlyList<ApiAccess> OrleansHosting { get; } =
    [
        new("", "pods", "get", "Orleans hosting: ReadNamespacedPod"),
        new("", "pods", "patch", "Orleans hosting: PatchNamespacedPod"),
        new("", "pods", "list", "Orleans hosting: ListNamespacedPod"),
        new("", "pods", "watch", "Orleans hosting: ListNamespacedPod(watch: true)"),
        new("", "pods", "delete", "Orleans hosting: DeleteNamespacedPod"),
    ];

    /// <summary>The API call each KubernetesClient method makes, as RBAC sees it.</summary>
    private static readonly Dictionary<string, (string ApiGroup, string Resource, string Verb)> Calls = new(StringComparer.Ordinal)
    {
        ["CreateNamespacedJob"] = ("batch", "jobs", "create"),
        ["ReadNamespacedJob"] = ("batch", "jobs", "get"),
        ["ListNamespacedJob"] = ("batch", "jobs", "list"),
        ["WatchListNamespacedJob"] = ("batch", "jobs", "watch"),
        ["DeleteNamespacedJob"] = ("batch", "jobs", "delete"),
        ["PatchNamespacedJob"] = ("batch", "jobs", "patch"),
        ["ReadNamespacedPod"] = ("", "pods", "get"),
        ["ListNamespacedPod"] = ("", "pods", "list"),
        ["WatchListNamespacedPod"] = ("", "pods", "watch"),
        ["DeleteNamespacedPod"] = ("", "pods", "delete"),
        ["PatchNamespacedPod"] = ("", "pods", "patch"),
        ["ReadNamespacedPodLog"] = ("", "pods/log", "get"),
    };

    /// <summary>Every API call in the training executor's source; a call this map does not know is an error to fix here.</summary>
    public static IReadOnlyList<ApiAccess> Training()
    {
        var permissions = new List<ApiAccess>();
        foreach (var file in Directory.EnumerateFiles(Repository.PathTo(TrainingSource), "*.cs"))
        {
            foreach (Match call in ApiCall().Matches(File.ReadAllText(file)))
            {
                var method = call.Groups["method"].Value;
                var caller = $"{Path.GetFileName(file)}: {call.Groups["group"].Value}.{method}Async";
                if (!Calls.TryGetValue(method, out var rbac))
                {
                    throw new InvalidOperationException($"{caller} is a Kubernetes API call this test does not know: add its verb and resource to {nameof(RequiredPermissions)}");
                }

                permissions.Add(new ApiAccess(rbac.ApiGroup, rbac.Resource, rbac.Verb, caller));
            }
        }

        return permissions;
    }

    public static IReadOnlyList<ApiAccess> Silo() => [.. Training(), .. OrleansHosting];

    [GeneratedRegex(@"\.(?<group>CoreV1|BatchV1|AppsV1)\.(?<method>\w+?)(?:WithHttpMessages)?Async\(")]
    private static partial Regex ApiCall();
}

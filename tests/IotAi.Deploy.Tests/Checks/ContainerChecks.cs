using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>
/// Every container is bounded (requests and limits for CPU and memory), observed (readiness and liveness
/// probes on what serves), and fits Pod Security "restricted", which the namespace enforces: a pod that does not
/// would be refused at admission, in the cluster, long after review.
/// </summary>
public static class ContainerChecks
{
    public static IEnumerable<string> Check(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Workloads.SelectMany(static w => Resources(w).Concat(Probes(w)).Concat(Restricted(w)));
    }

    public static IEnumerable<string> Resources(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        foreach (var container in Containers(workload))
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                if (container.Resources?.Requests?.ContainsKey(resource) != true)
                {
                    yield return $"{workload}: container {container.Name} requests no {resource}";
                }

                if (container.Resources?.Limits?.ContainsKey(resource) != true)
                {
                    yield return $"{workload}: container {container.Name} has no {resource} limit";
                }
            }
        }
    }

    public static IEnumerable<string> Probes(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        foreach (var container in workload.LongRunning ? workload.Pod.Containers : [])
        {
            if (container.ReadinessProbe is null)
            {
                yield return $"{workload}: container {container.Name} has no readinessProbe";
            }

            if (container.LivenessProbe is null)
            {
                yield return $"{workload}: container {container.Name} has no livenessProbe";
            }

            var probes = new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }.OfType<V1Probe>();
            var ports = probes.Select(static p => p.HttpGet?.Port?.Value ?? p.TcpSocket?.Port?.Value).OfType<string>();
            foreach (var port in ports.Where(p => !Ports.Has(workload, p)))
            {
                yield return $"{workload}: container {container.Name} probes port {port}, which it does not declare";
            }
        }
    }

    public static IEnumerable<string> Restricted(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var pod = workload.Pod;
        if (pod.HostNetwork == true || pod.HostPID == true || pod.HostIPC == true)
        {
            yield return $"{workload}: shares the host's network, PID or IPC namespace";
        }

        foreach (var volume in (pod.Volumes ?? []).Where(static v => v.HostPath is not null))
        {
            yield return $"{workload}: volume {volume.Name} is a hostPath";
        }

        foreach (var container in Containers(workload))
        {
            var own = container.SecurityContext;
            var where = $"{workload}: container {container.Name}";
            if ((own?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) != true)
            {
                yield return $"{where} may run as root (runAsNonRoot is not true)";
            }

            if ((own?.RunAsUser ?? pod.SecurityContext?.RunAsUser) == 0)
            {
                yield return $"{where} runs as uid 0";
            }

            if ((own?.SeccompProfile ?? pod.SecurityContext?.SeccompProfile)?.Type is not ("RuntimeDefault" or "Localhost"))
            {
                yield return $"{where} has no RuntimeDefault seccomp profile";
            }

            if (own?.AllowPrivilegeEscalation != false)
            {
                yield return $"{where} does not set allowPrivilegeEscalation: false";
            }

            if (own?.Privileged == true)
            {
                yield return $"{where} is privileged";
            }

            if (own?.Capabilities?.Drop?.Contains("ALL") != true)
            {
                yield return $"{where} does not drop ALL capabilities";
            }

            foreach (var added in (own?.Capabilities?.Add ?? []).Where(static c => c != "NET_BIND_SERVICE"))
            {
                yield return $"{where} adds capability {added}";
            }

            if (own?.ReadOnlyRootFilesystem != true)
            {
                yield return $"{where} has a writable root filesystem";
            }
        }
    }

    /// <summary>Images that are not pinned to a version: no tag, or <c>latest</c>; with the trainer image the silos' settings name.</summary>
    public static IEnumerable<string> UnpinnedImages(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var images = set.Workloads.SelectMany(static w => Containers(w).Select(c => (Where: $"{w}: container {c.Name}", c.Image)))
            .Concat(set.All<V1ConfigMap>().SelectMany(static m => (m.Data ?? new Dictionary<string, string>())
                .Where(static e => e.Key.EndsWith("__Image", StringComparison.Ordinal))
                .Select(e => (Where: $"ConfigMap {m.Metadata.Name}: {e.Key}", Image: e.Value))));
        return images.Where(static i => !Pinned(i.Image)).Select(static i => $"{i.Where} uses image {i.Image}, which is not pinned to a version");
    }

    private static bool Pinned(string? image)
    {
        if (string.IsNullOrEmpty(image))
        {
            return false;
        }

        if (image.Contains('@', StringComparison.Ordinal))
        {
            return true;
        }

        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon > 0 && name[(colon + 1)..] is { Length: > 0 } tag && tag != "latest";
    }

    private static IEnumerable<V1Container> Containers(Workload workload) =>
        workload.Pod.Containers.Concat(workload.Pod.InitContainers ?? []);
}

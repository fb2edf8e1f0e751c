using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>
/// Every name one object uses to reach another resolves: selectors select pods, named ports exist on them,
/// references name objects in the set. Secrets that operators create themselves count as present when listed.
/// </summary>
public static class CrossReferenceChecks
{
    public static IEnumerable<string> Check(ManifestSet set, IReadOnlySet<string> operatorSecrets)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(operatorSecrets);
        return Services(set)
            .Concat(Disruption(set))
            .Concat(Autoscaling(set))
            .Concat(Ingresses(set, operatorSecrets))
            .Concat(RoleBindings(set))
            .Concat(set.Workloads.SelectMany(w => WorkloadReferences(set, w, operatorSecrets)));
    }

    public static IEnumerable<string> Services(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        foreach (var service in set.All<V1Service>())
        {
            var selected = Selectors.Selected(set, service.Spec.Selector).ToList();
            if (selected.Count == 0)
            {
                yield return $"Service {service.Metadata.Name}: selector {Selectors.Describe(service.Spec.Selector)} matches no pod template";
                continue;
            }

            foreach (var port in service.Spec.Ports ?? [])
            {
                var target = port.TargetPort?.Value ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                foreach (var workload in selected.Where(w => !Ports.Has(w, target)))
                {
                    yield return $"Service {service.Metadata.Name}: port {port.Name ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)} targets {target}, which {workload} has no container port for";
                }
            }
        }
    }

    private static IEnumerable<string> Disruption(ManifestSet set) =>
        set.All<V1PodDisruptionBudget>()
            .Where(pdb => !Selectors.Selected(set, pdb.Spec.Selector).Any())
            .Select(static pdb => $"PodDisruptionBudget {pdb.Metadata.Name}: selector {Selectors.Describe(pdb.Spec.Selector)} matches no pod template");

    private static IEnumerable<string> Autoscaling(ManifestSet set) =>
        set.All<V2HorizontalPodAutoscaler>()
            .Where(hpa => !set.Workloads.Any(w => w.LongRunning && w.Kind == hpa.Spec.ScaleTargetRef.Kind && w.Name == hpa.Spec.ScaleTargetRef.Name))
            .Select(static hpa => $"HorizontalPodAutoscaler {hpa.Metadata.Name}: scaleTargetRef {hpa.Spec.ScaleTargetRef.Kind} {hpa.Spec.ScaleTargetRef.Name} is not in the set");

    private static IEnumerable<string> Ingresses(ManifestSet set, IReadOnlySet<string> operatorSecrets)
    {
        foreach (var ingress in set.All<V1Ingress>())
        {
            foreach (var tls in ingress.Spec.Tls ?? [])
            {
                if (!operatorSecrets.Contains(tls.SecretName) && set.Find<V1Secret>(tls.SecretName) is null)
                {
                    yield return $"Ingress {ingress.Metadata.Name}: TLS Secret {tls.SecretName} is neither in the set nor one operators supply";
                }
            }

            var backends = (ingress.Spec.Rules ?? []).SelectMany(static r => r.Http?.Paths ?? []).Select(static p => p.Backend.Service);
            foreach (var backend in backends)
            {
                var service = set.Find<V1Service>(backend.Name);
                var port = backend.Port.Name ?? backend.Port.Number?.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (service is null)
                {
                    yield return $"Ingress {ingress.Metadata.Name}: backend Service {backend.Name} is not in the set";
                }
                else if (!(service.Spec.Ports ?? []).Any(p => p.Name == backend.Port.Name || p.Port == backend.Port.Number))
                {
                    yield return $"Ingress {ingress.Metadata.Name}: Service {backend.Name} has no port {port}";
                }
            }
        }
    }

    private static IEnumerable<string> RoleBindings(ManifestSet set)
    {
        foreach (var binding in set.All<V1RoleBinding>())
        {
            if (binding.RoleRef.Kind != "Role" || set.Find<V1Role>(binding.RoleRef.Name) is null)
            {
                yield return $"RoleBinding {binding.Metadata.Name}: roleRef {binding.RoleRef.Kind} {binding.RoleRef.Name} is not a Role in the set";
            }

            foreach (var subject in binding.Subjects ?? [])
            {
                if (subject.Kind != "ServiceAccount" || set.Find<V1ServiceAccount>(subject.Name) is null)
                {
                    yield return $"RoleBinding {binding.Metadata.Name}: subject {subject.Kind} {subject.Name} is not a ServiceAccount in the set";
                }
                else if (subject.NamespaceProperty != binding.Metadata.NamespaceProperty)
                {
                    yield return $"RoleBinding {binding.Metadata.Name}: subject {subject.Name} is in namespace {subject.NamespaceProperty}, not {binding.Metadata.NamespaceProperty}";
                }
            }
        }
    }

    private static IEnumerable<string> WorkloadReferences(ManifestSet set, Workload workload, IReadOnlySet<string> operatorSecrets)
    {
        var pod = workload.Pod;
        if (pod.ServiceAccountName is { Length: > 0 } account && set.Find<V1ServiceAccount>(account) is null)
        {
            yield return $"{workload}: service account {account} is not in the set";
        }

        var volumes = (pod.Volumes ?? []).ToDictionary(static v => v.Name);
        foreach (var container in pod.Containers)
        {
            foreach (var mount in (container.VolumeMounts ?? []).Where(m => !volumes.ContainsKey(m.Name) && !ClaimTemplate(set, workload, m.Name)))
            {
                yield return $"{workload}: container {container.Name} mounts volume {mount.Name}, which the pod does not have";
            }

            foreach (var source in container.EnvFrom ?? [])
            {
                if (source.ConfigMapRef is { } map && set.Find<V1ConfigMap>(map.Name) is null && map.Optional != true)
                {
                    yield return $"{workload}: envFrom ConfigMap {map.Name} is not in the set";
                }

                if (source.SecretRef is { } secret && Missing(set, secret.Name, secret.Optional, operatorSecrets))
                {
                    yield return $"{workload}: envFrom Secret {secret.Name} is neither in the set nor one operators supply";
                }
            }

            foreach (var variable in container.Env ?? [])
            {
                if (variable.ValueFrom?.SecretKeyRef is { } key && Missing(set, key.Name, key.Optional, operatorSecrets))
                {
                    yield return $"{workload}: env {variable.Name} reads Secret {key.Name}, which is neither in the set nor one operators supply";
                }
                else if (variable.ValueFrom?.SecretKeyRef is { } present && set.Find<V1Secret>(present.Name) is { } found && !Holds(found, present.Key))
                {
                    yield return $"{workload}: env {variable.Name} reads key {present.Key} of Secret {present.Name}, which has no such key";
                }

                if (variable.ValueFrom?.ConfigMapKeyRef is { } entry && set.Find<V1ConfigMap>(entry.Name) is null && entry.Optional != true)
                {
                    yield return $"{workload}: env {variable.Name} reads ConfigMap {entry.Name}, which is not in the set";
                }
            }
        }

        foreach (var volume in volumes.Values)
        {
            if (volume.ConfigMap is { } map && set.Find<V1ConfigMap>(map.Name) is null && map.Optional != true)
            {
                yield return $"{workload}: volume {volume.Name} is ConfigMap {map.Name}, which is not in the set";
            }

            if (volume.Secret is { } secret && Missing(set, secret.SecretName, secret.Optional, operatorSecrets))
            {
                yield return $"{workload}: volume {volume.Name} is Secret {secret.SecretName}, which is neither in the set nor one operators supply";
            }

            if (volume.PersistentVolumeClaim is { } claim && set.Find<V1PersistentVolumeClaim>(claim.ClaimName) is null)
            {
                yield return $"{workload}: volume {volume.Name} is claim {claim.ClaimName}, which is not in the set";
            }
        }

        if (workload.Kind == "StatefulSet" && set.Find<V1StatefulSet>(workload.Name) is { } stateful && set.Find<V1Service>(stateful.Spec.ServiceName) is null)
        {
            yield return $"{workload}: serviceName {stateful.Spec.ServiceName} is not a Service in the set";
        }
    }

    private static bool Missing(ManifestSet set, string name, bool? optional, IReadOnlySet<string> operatorSecrets) =>
        optional != true && !operatorSecrets.Contains(name) && set.Find<V1Secret>(name) is null;

    private static bool Holds(V1Secret secret, string key) =>
        (secret.Data?.ContainsKey(key) ?? false) || (secret.StringData?.ContainsKey(key) ?? false);

    private static bool ClaimTemplate(ManifestSet set, Workload workload, string name) =>
        workload.Kind == "StatefulSet"
        && (set.Find<V1StatefulSet>(workload.Name)?.Spec.VolumeClaimTemplates ?? []).Any(t => t.Metadata.Name == name);
}

using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>One namespace holds everything, and it enforces, audits and warns on Pod Security "restricted".</summary>
public static class NamespaceChecks
{
    public const string Namespace = "iotai";

    public static IEnumerable<string> Check(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Find<V1Namespace>(Namespace) is not { } found)
        {
            yield return $"the set has no Namespace {Namespace}";
        }
        else
        {
            foreach (var mode in new[] { "enforce", "audit", "warn" })
            {
                var label = $"pod-security.kubernetes.io/{mode}";
                if (found.Metadata.Labels?.TryGetValue(label, out var level) != true || level != "restricted")
                {
                    yield return $"Namespace {Namespace}: {label} is not restricted";
                }
            }
        }

        foreach (var item in set.Objects.Where(static o => o is not V1Namespace && o.Metadata.NamespaceProperty != Namespace))
        {
            yield return $"{item.Kind} {item.Metadata.Name} is in namespace {item.Metadata.NamespaceProperty ?? "(none)"}, not {Namespace}";
        }
    }
}

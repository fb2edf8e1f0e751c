using System.Globalization;
using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>
/// The namespace denies by default, and no policy is dead: each selects pods, names ports those pods have, and
/// names peers that exist. A named port a pod lacks makes a rule that silently never matches.
/// </summary>
public static class NetworkPolicyChecks
{
    public static IEnumerable<string> Check(ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var policies = set.All<V1NetworkPolicy>().ToList();
        if (!policies.Any(IsDefaultDeny))
        {
            yield return "no NetworkPolicy denies all ingress and egress by default (empty podSelector, both policy types, no rules)";
        }

        foreach (var policy in policies.Where(static p => !IsEverything(p.Spec.PodSelector)))
        {
            var selected = Selectors.Selected(set, policy.Spec.PodSelector).ToList();
            if (selected.Count == 0)
            {
                yield return $"NetworkPolicy {policy.Metadata.Name}: podSelector {Selectors.Describe(policy.Spec.PodSelector)} matches no pod template";
            }

            var named = (policy.Spec.Ingress ?? []).SelectMany(static r => r.Ports ?? [])
                .Select(static p => p.Port?.Value)
                .Where(static p => p is not null && !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _));
            foreach (var port in named)
            {
                foreach (var workload in selected.Where(w => !Ports.Has(w, port!)))
                {
                    yield return $"NetworkPolicy {policy.Metadata.Name}: ingress names port {port}, which {workload} does not have";
                }
            }

            var peers = (policy.Spec.Ingress ?? []).SelectMany(static r => r.FromProperty ?? [])
                .Concat((policy.Spec.Egress ?? []).SelectMany(static r => r.To ?? []))
                .Where(static p => p.NamespaceSelector is null && p.PodSelector is not null && !IsEverything(p.PodSelector));
            foreach (var peer in peers.Where(p => !Selectors.Selected(set, p.PodSelector).Any()))
            {
                yield return $"NetworkPolicy {policy.Metadata.Name}: peer {Selectors.Describe(peer.PodSelector)} matches no pod template";
            }
        }
    }

    private static bool IsDefaultDeny(V1NetworkPolicy policy) =>
        IsEverything(policy.Spec.PodSelector)
        && policy.Spec.PolicyTypes is { } types && types.Contains("Ingress") && types.Contains("Egress")
        && policy.Spec.Ingress is not { Count: > 0 } && policy.Spec.Egress is not { Count: > 0 };

    private static bool IsEverything(V1LabelSelector? selector) =>
        selector is not null && selector.MatchLabels is not { Count: > 0 } && selector.MatchExpressions is not { Count: > 0 };
}

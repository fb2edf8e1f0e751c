using System.Globalization;
using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>One end of a connection: a pod of the set, a pod in another namespace, or an address outside the cluster.</summary>
public abstract record Peer
{
    public static Peer Pod(Workload workload) => new PodPeer(workload);

    public static Peer InNamespace(string name) => new NamespacePeer(name);

    public static Peer Outside { get; } = new ExternalPeer();
}

public sealed record PodPeer(Workload Workload) : Peer
{
    public override string ToString() => Workload.ToString();
}

public sealed record NamespacePeer(string Namespace) : Peer
{
    public override string ToString() => $"a pod in namespace {Namespace}";
}

public sealed record ExternalPeer : Peer
{
    public override string ToString() => "an address outside the cluster";
}

/// <summary>
/// Evaluates the set's NetworkPolicies as a CNI enforces them, for one connection: the source's egress and the
/// destination's ingress must both allow it, where a policy selects them. Enough of the semantics for these
/// manifests: pod and namespace selectors, ipBlocks (as outside addresses), named and numbered ports.
/// </summary>
public sealed class NetworkPolicies(ManifestSet set, string @namespace)
{
    public bool Allows(Peer source, Peer destination, int port, string protocol = "TCP")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var egress = source is not PodPeer from || Allowed(from.Workload, "Egress", destination, destination, port, protocol);
        var ingress = destination is not PodPeer to || Allowed(to.Workload, "Ingress", source, destination, port, protocol);
        return egress && ingress;
    }

    private bool Allowed(Workload subject, string direction, Peer other, Peer destination, int port, string protocol)
    {
        var policies = set.All<V1NetworkPolicy>().Where(p => Selectors.Matches(p.Spec.PodSelector, subject.Labels) && Types(p).Contains(direction)).ToList();
        if (policies.Count == 0)
        {
            return true;
        }

        return direction == "Ingress"
            ? policies.SelectMany(static p => p.Spec.Ingress ?? []).Any(r => AnyPeer(r.FromProperty, other) && AnyPort(r.Ports, destination, port, protocol))
            : policies.SelectMany(static p => p.Spec.Egress ?? []).Any(r => AnyPeer(r.To, other) && AnyPort(r.Ports, destination, port, protocol));
    }

    private static IEnumerable<string> Types(V1NetworkPolicy policy) =>
        policy.Spec.PolicyTypes is { Count: > 0 } types ? types
        : policy.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];

    private bool AnyPeer(IList<V1NetworkPolicyPeer>? peers, Peer other) =>
        peers is not { Count: > 0 } || peers.Any(p => Matches(p, other));

    private bool Matches(V1NetworkPolicyPeer rule, Peer other) => other switch
    {
        ExternalPeer => rule.IpBlock is not null,
        NamespacePeer ns => rule.IpBlock is null && rule.NamespaceSelector is { } selector
            && Selectors.Matches(selector, NamespaceLabels(ns.Namespace))
            && (rule.PodSelector is null || IsEmpty(rule.PodSelector)),
        PodPeer pod => rule.IpBlock is null
            && (rule.NamespaceSelector is null || Selectors.Matches(rule.NamespaceSelector, NamespaceLabels(@namespace)))
            && (rule.PodSelector is null ? rule.NamespaceSelector is not null : Selectors.Matches(rule.PodSelector, pod.Workload.Labels)),
        _ => false,
    };

    private static bool AnyPort(IList<V1NetworkPolicyPort>? ports, Peer destination, int port, string protocol) =>
        ports is not { Count: > 0 } || ports.Any(p => (p.Protocol ?? "TCP") == protocol && Covers(p, destination, port));

    private static bool Covers(V1NetworkPolicyPort rule, Peer destination, int port)
    {
        if (rule.Port is null)
        {
            return true;
        }

        if (int.TryParse(rule.Port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return rule.EndPort is int end ? port >= number && port <= end : port == number;
        }

        // A named port is the destination pod's; outside the set nothing resolves it.
        return destination is PodPeer pod && Ports.Number(pod.Workload, rule.Port.Value) == port;
    }

    private static bool IsEmpty(V1LabelSelector selector) =>
        selector.MatchLabels is not { Count: > 0 } && selector.MatchExpressions is not { Count: > 0 };

    private static Dictionary<string, string> NamespaceLabels(string name) => new() { ["kubernetes.io/metadata.name"] = name };
}

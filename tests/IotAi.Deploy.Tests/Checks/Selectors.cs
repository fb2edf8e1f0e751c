using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>Label selectors as Kubernetes matches them against pod labels.</summary>
public static class Selectors
{
    /// <summary>A Service's selector: every pair must be among the labels. An empty one selects nothing here (no endpoints are managed).</summary>
    public static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    /// <summary>A label selector with matchLabels and matchExpressions; an empty one selects every pod.</summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (selector is null)
        {
            return false;
        }

        var pairs = (selector.MatchLabels ?? new Dictionary<string, string>())
            .All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
        return pairs && (selector.MatchExpressions ?? []).All(e => Matches(e, labels));
    }

    public static IEnumerable<Workload> Selected(ManifestSet set, IDictionary<string, string>? selector)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Workloads.Where(w => Matches(selector, w.Labels));
    }

    public static IEnumerable<Workload> Selected(ManifestSet set, V1LabelSelector? selector)
    {
        ArgumentNullException.ThrowIfNull(set);
        return set.Workloads.Where(w => Matches(selector, w.Labels));
    }

    public static string Describe(IDictionary<string, string>? selector) =>
        selector is null ? "{}" : "{" + string.Join(", ", selector.Select(static p => $"{p.Key}={p.Value}")) + "}";

    public static string Describe(V1LabelSelector? selector) =>
        selector is null ? "none" : Describe(selector.MatchLabels) + (selector.MatchExpressions is { Count: > 0 } e ? $" and {e.Count} expression(s)" : "");

    private static bool Matches(V1LabelSelectorRequirement requirement, IDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(requirement.Key, out var value);
        return requirement.OperatorProperty switch
        {
            "In" => has && requirement.Values.Contains(value!),
            "NotIn" => !has || !requirement.Values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            _ => false,
        };
    }
}

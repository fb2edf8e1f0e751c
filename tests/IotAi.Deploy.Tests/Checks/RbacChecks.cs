using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests.Checks;

/// <summary>What a service account may do, from the Roles bound to it in the set.</summary>
public static class RbacChecks
{
    /// <summary>Each of <paramref name="required"/> that no Role bound to <paramref name="account"/> allows.</summary>
    public static IEnumerable<string> Missing(ManifestSet set, string account, IEnumerable<ApiAccess> required)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(required);
        var rules = Rules(set, account).ToList();
        return required.Where(p => !rules.Any(r => Allows(r, p)))
            .Select(p => $"service account {account} may not {p}");
    }

    /// <summary>A service account that must have no API rights: it is bound to nothing and mounts no token.</summary>
    public static IEnumerable<string> Powerless(ManifestSet set, string account)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Find<V1ServiceAccount>(account) is not { } found)
        {
            yield return $"service account {account} is not in the set";
            yield break;
        }

        if (found.AutomountServiceAccountToken != false)
        {
            yield return $"service account {account} mounts its token (automountServiceAccountToken is not false)";
        }

        var bindings = set.All<V1RoleBinding>().Where(b => Binds(b.Subjects, account)).Select(static b => $"RoleBinding {b.Metadata.Name}")
            .Concat(set.All<V1ClusterRoleBinding>().Where(b => Binds(b.Subjects, account)).Select(static b => $"ClusterRoleBinding {b.Metadata.Name}"));
        foreach (var binding in bindings)
        {
            yield return $"service account {account} is bound by {binding}";
        }
    }

    private static IEnumerable<V1PolicyRule> Rules(ManifestSet set, string account) =>
        set.All<V1RoleBinding>()
            .Where(b => b.RoleRef.Kind == "Role" && Binds(b.Subjects, account))
            .Select(b => set.Find<V1Role>(b.RoleRef.Name))
            .OfType<V1Role>()
            .SelectMany(static r => r.Rules ?? []);

    private static bool Binds(IEnumerable<Rbacv1Subject>? subjects, string account) =>
        (subjects ?? []).Any(s => s.Kind == "ServiceAccount" && s.Name == account);

    private static bool Allows(V1PolicyRule rule, ApiAccess permission) =>
        Has(rule.ApiGroups, permission.ApiGroup) && Has(rule.Resources, permission.Resource) && Has(rule.Verbs, permission.Verb);

    private static bool Has(IList<string>? values, string value) => values is not null && (values.Contains("*") || values.Contains(value));
}

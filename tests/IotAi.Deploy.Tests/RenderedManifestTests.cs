using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;

namespace IotAi.Deploy.Tests;

/// <summary>The base and each overlay, rendered by kubectl kustomize, against every check.</summary>
public sealed class RenderedManifestTests
{
    /// <summary>The Secrets operators create themselves (deploy/k8s/README.md), which the set refers to but does not hold.</summary>
    public static readonly IReadOnlySet<string> OperatorSecrets = new HashSet<string> { "iotai-connections", "iotai-signing-key", "iotai-mqtt-tls", "iotai-http-tls" };

    public static TheoryData<string> Kustomizations => new(Repository.Kustomizations);

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_object_loads_strictly_into_its_Kubernetes_model(string kustomization)
    {
        var set = ManifestSet.Render(kustomization);

        Findings.None(set.LoadErrors);
        Assert.NotEmpty(set.Objects);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_reference_resolves(string kustomization) =>
        Findings.None(CrossReferenceChecks.Check(Rendering.Load(kustomization), OperatorSecrets));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Network_policies_deny_by_default_and_each_selects_real_pods_and_ports(string kustomization) =>
        Findings.None(NetworkPolicyChecks.Check(Rendering.Load(kustomization)));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_is_bounded_probed_and_restricted(string kustomization) =>
        Findings.None(ContainerChecks.Check(Rendering.Load(kustomization)));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_silo_fits_Orleans_hosting_and_its_own_settings(string kustomization) =>
        Findings.None(SiloChecks.Check(Rendering.Load(kustomization)));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_silo_setting_binds_to_an_option_the_silo_reads(string kustomization)
    {
        var set = Rendering.Load(kustomization);

        Findings.None(SettingsChecks.Check(set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container)));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_silo_may_make_every_Kubernetes_call_its_code_makes(string kustomization) =>
        Findings.None(RbacChecks.Missing(Rendering.Load(kustomization), "iotai-silo", RequiredPermissions.Silo()));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_trainer_has_no_API_rights(string kustomization) =>
        Findings.None(RbacChecks.Powerless(Rendering.Load(kustomization), "iotai-trainer"));

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Everything_is_in_one_namespace_that_enforces_restricted_pod_security(string kustomization) =>
        Findings.None(NamespaceChecks.Check(Rendering.Load(kustomization)));

    [Fact]
    public void The_permissions_come_from_the_training_code_and_Orleans_hosting()
    {
        var training = RequiredPermissions.Training();

        // The scan must find the executor's calls, or the RBAC check would pass on nothing.
        Assert.Contains(training, static p => p is { ApiGroup: "batch", Resource: "jobs", Verb: "create" });
        Assert.Contains(training, static p => p is { Resource: "pods/log", Verb: "get" });
        Assert.Contains(RequiredPermissions.OrleansHosting, static p => p is { Resource: "pods", Verb: "delete" });
    }
}

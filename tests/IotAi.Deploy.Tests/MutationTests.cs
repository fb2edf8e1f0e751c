using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests;

/// <summary>
/// Each check can fail: the rendered base, broken in one place in memory, is reported for exactly that fault.
/// A check that cannot fail proves nothing about the manifests it passes.
/// </summary>
public sealed class MutationTests
{
    private static readonly IReadOnlySet<string> Operators = RenderedManifestTests.OperatorSecrets;

    [Fact]
    public void A_misspelt_field_fails_to_load() =>
        Findings.Reports(ManifestSet.Load(Broken("  replicas: 2\n", "  replicaz: 2\n")).LoadErrors, "Deployment iotai-silo", "replicaz");

    [Fact]
    public void A_value_of_the_wrong_type_fails_to_load() =>
        Findings.Reports(ManifestSet.Load(Broken("  replicas: 2\n", "  replicas: many\n")).LoadErrors, "Deployment iotai-silo", "many");

    [Fact]
    public void An_unknown_kind_fails_to_load() =>
        Findings.Reports(ManifestSet.Load(Broken("kind: PodDisruptionBudget\n", "kind: PodDisruptionBudgett\n")).LoadErrors, "PodDisruptionBudgett");

    [Fact]
    public void A_Service_whose_selector_matches_nothing_is_reported()
    {
        var set = Base();
        set.Get<V1Service>("iotai-http").Spec.Selector["app.kubernetes.io/name"] = "iotai-sillo";

        Findings.Reports(CrossReferenceChecks.Check(set, Operators), "Service iotai-http", "matches no pod template");
    }

    [Fact]
    public void A_Service_targeting_a_port_the_pods_lack_is_reported()
    {
        var set = Base();
        set.Get<V1Service>("iotai-mqtt").Spec.Ports[0].TargetPort = "mqtt-tls";

        Findings.Reports(CrossReferenceChecks.Check(set, Operators), "Service iotai-mqtt", "mqtt-tls");
    }

    [Fact]
    public void An_autoscaler_for_a_missing_Deployment_is_reported()
    {
        var set = Base();
        set.Get<V2HorizontalPodAutoscaler>("iotai-silo").Spec.ScaleTargetRef.Name = "iotai-silos";

        Findings.Reports(CrossReferenceChecks.Check(set, Operators), "HorizontalPodAutoscaler iotai-silo", "iotai-silos");
    }

    [Fact]
    public void A_RoleBinding_to_a_missing_Role_and_a_Secret_nobody_supplies_are_reported()
    {
        var set = Base();
        set.Get<V1RoleBinding>("iotai-silo").RoleRef.Name = "iotai-silo-admin";
        Silo(set).Env.Single(static e => e.Name == "Cluster__Redis").ValueFrom.SecretKeyRef.Name = "redis-conn";

        var findings = CrossReferenceChecks.Check(set, Operators).ToList();

        Findings.Reports(findings, "RoleBinding iotai-silo", "iotai-silo-admin");
        Findings.Reports(findings, "Cluster__Redis", "redis-conn");
    }

    [Fact]
    public void A_container_without_readinessProbe_is_reported()
    {
        var set = Base();
        Silo(set).ReadinessProbe = null;

        Findings.Reports(ContainerChecks.Check(set), "Deployment iotai-silo", "no readinessProbe");
    }

    [Fact]
    public void A_container_that_breaks_restricted_pod_security_is_reported()
    {
        var set = Base();
        var collector = set.Get<V1Deployment>("otel-collector").Spec.Template.Spec.Containers[0];
        collector.SecurityContext.AllowPrivilegeEscalation = true;
        collector.SecurityContext.ReadOnlyRootFilesystem = null;
        collector.Resources.Limits.Remove("memory");

        var findings = ContainerChecks.Check(set).ToList();

        Findings.Reports(findings, "otel-collector", "allowPrivilegeEscalation");
        Findings.Reports(findings, "otel-collector", "writable root filesystem");
        Findings.Reports(findings, "otel-collector", "no memory limit");
    }

    [Fact]
    public void A_Role_missing_a_verb_the_code_needs_is_reported()
    {
        var set = Base();
        set.Get<V1Role>("iotai-silo").Rules.Single(static r => r.Resources.Contains("jobs")).Verbs.Remove("watch");

        Findings.Reports(RbacChecks.Missing(set, "iotai-silo", RequiredPermissions.Silo()), "watch batch/jobs", "WatchListNamespacedJob");
    }

    [Fact]
    public void A_trainer_account_with_a_token_or_a_binding_is_reported()
    {
        var set = Base();
        set.Get<V1ServiceAccount>("iotai-trainer").AutomountServiceAccountToken = null;
        set.Get<V1RoleBinding>("iotai-silo").Subjects.Add(new Rbacv1Subject { Kind = "ServiceAccount", Name = "iotai-trainer", NamespaceProperty = "iotai" });

        var findings = RbacChecks.Powerless(set, "iotai-trainer").ToList();

        Findings.Reports(findings, "mounts its token");
        Findings.Reports(findings, "bound by RoleBinding iotai-silo");
    }

    [Fact]
    public void A_grace_period_shorter_than_the_shutdown_and_missing_Orleans_labels_are_reported()
    {
        var set = Base();
        var template = set.Get<V1Deployment>("iotai-silo").Spec.Template;
        template.Spec.TerminationGracePeriodSeconds = 30;
        template.Metadata.Labels.Remove("orleans/clusterId");

        var findings = SiloChecks.Check(set).ToList();

        Findings.Reports(findings, "terminationGracePeriodSeconds 30");
        Findings.Reports(findings, "orleans/clusterId");
    }

    [Fact]
    public void A_setting_no_option_reads_or_of_the_wrong_type_is_reported()
    {
        var set = Base();
        var config = set.All<V1ConfigMap>().Single(static m => m.Metadata.Name.StartsWith("iotai-config", StringComparison.Ordinal));
        config.Data["Mqtt__Tls__CertFile"] = "/var/run/secrets/iotai/mqtt-tls/tls.crt";
        config.Data["Learning__Training__Job__LogLines"] = "plenty";

        var findings = SettingsChecks.Check(set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container)).ToList();

        Findings.Reports(findings, "CertFile");
        Findings.Reports(findings, "LogLines");
    }

    [Fact]
    public void A_latest_or_missing_image_tag_is_reported()
    {
        var set = Base();
        set.Get<V1Deployment>("otel-collector").Spec.Template.Spec.Containers[0].Image = "otel/opentelemetry-collector:latest";

        var findings = ContainerChecks.UnpinnedImages(set).ToList();

        Findings.Reports(findings, "otel-collector", ":latest");
        Findings.Reports(findings, "iotai-silo", "image iotai-silo,");
        Findings.Reports(findings, "Learning__Training__Job__Image");
    }

    [Fact]
    public void A_namespace_without_restricted_enforcement_is_reported()
    {
        var set = Base();
        set.Get<V1Namespace>("iotai").Metadata.Labels["pod-security.kubernetes.io/enforce"] = "baseline";

        Findings.Reports(NamespaceChecks.Check(set), "pod-security.kubernetes.io/enforce is not restricted");
    }

    [Fact]
    public void Network_policies_without_default_deny_or_naming_missing_ports_are_reported()
    {
        var set = Base();
        set.Get<V1NetworkPolicy>("default-deny").Spec.PolicyTypes.Remove("Egress");
        set.Get<V1NetworkPolicy>("silo-metrics").Spec.Ingress[0].Ports[0].Port = "prometheus";

        var findings = NetworkPolicyChecks.Check(set).ToList();

        Findings.Reports(findings, "denies all ingress and egress by default");
        Findings.Reports(findings, "silo-metrics", "prometheus");
    }

    [Fact]
    public void A_policy_that_opens_a_port_is_seen_by_the_network_evaluation()
    {
        var set = Base();
        var silo = Peer.Pod(set.Workload(SiloChecks.Name));
        set.Get<V1NetworkPolicy>("silo-http").Spec.Ingress[0].FromProperty = null;

        Assert.True(new NetworkPolicies(set, NamespaceChecks.Namespace).Allows(Peer.Outside, silo, 8080));
    }

    private static string Broken(string original, string replacement)
    {
        var yaml = Kustomize.Render("base");
        Assert.Contains(original, yaml, StringComparison.Ordinal);
        return yaml.Replace(original, replacement, StringComparison.Ordinal);
    }

    private static ManifestSet Base()
    {
        var set = Rendering.Load("base");
        Findings.None(set.LoadErrors);
        return set;
    }

    private static V1Container Silo(ManifestSet set) => set.Get<V1Deployment>("iotai-silo").Spec.Template.Spec.Containers[0];
}

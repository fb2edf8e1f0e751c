using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;

namespace IotAi.Deploy.Tests;

/// <summary>Who may talk to whom once the network policies are enforced: what must get through, and what must not.</summary>
public sealed class NetworkTests
{
    public static TheoryData<string> Kustomizations => new(Repository.Kustomizations);

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Devices_reach_MQTT_from_anywhere_and_nothing_else_of_the_silo(string kustomization)
    {
        var (policies, silo, _, _) = Open(kustomization);
        var set = Rendering.Load(kustomization);
        var plain = SiloChecks.PlainMqttEnabled(set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container));

        Assert.True(policies.Allows(Peer.Outside, silo, 8883), "devices outside must reach MQTT over TLS");
        Assert.True(policies.Allows(Peer.Outside, silo, 1883) == plain, "plain MQTT is reachable exactly where the silo listens for it");
        Assert.False(policies.Allows(Peer.Outside, silo, 8080), "the HTTP API is only for the ingress controller");
        Assert.False(policies.Allows(Peer.Outside, silo, 9464), "metrics are only for the monitoring namespace");
        Assert.False(policies.Allows(Peer.Outside, silo, 11111), "the silo port is only for silos");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_ingress_controller_reaches_HTTP_and_monitoring_reaches_metrics(string kustomization)
    {
        var (policies, silo, _, _) = Open(kustomization);

        Assert.True(policies.Allows(Peer.InNamespace("ingress-nginx"), silo, 8080));
        Assert.True(policies.Allows(Peer.InNamespace("monitoring"), silo, 9464));
        Assert.False(policies.Allows(Peer.InNamespace("monitoring"), silo, 8080));
        Assert.False(policies.Allows(Peer.InNamespace("default"), silo, 9464));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Silos_reach_each_other_their_stores_telemetry_the_API_and_DNS_only(string kustomization)
    {
        var (policies, silo, _, collector) = Open(kustomization);

        Assert.True(policies.Allows(silo, silo, 11111));
        Assert.True(policies.Allows(silo, silo, 30000));
        Assert.True(policies.Allows(silo, collector, 4317));
        Assert.True(policies.Allows(silo, collector, 4318));
        foreach (var port in new[] { 6379, 5432, 443, 6443, 53 })
        {
            Assert.True(policies.Allows(silo, Peer.Outside, port), $"silos must reach port {port}");
        }

        Assert.True(policies.Allows(silo, Peer.Outside, 53, "UDP"));
        Assert.False(policies.Allows(silo, Peer.Outside, 80), "silos need nothing on port 80");
        Assert.False(policies.Allows(silo, silo, 8080), "silos do not call each other's HTTP API");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Training_pods_take_no_connections_and_make_none_but_DNS(string kustomization)
    {
        var (policies, silo, trainer, _) = Open(kustomization);

        Assert.True(policies.Allows(trainer, Peer.Outside, 53, "UDP"));
        Assert.False(policies.Allows(trainer, Peer.Outside, 443), "a trainer talks to no API");
        Assert.False(policies.Allows(trainer, silo, 8080));
        Assert.False(policies.Allows(silo, trainer, 8080));
        Assert.False(policies.Allows(Peer.Outside, trainer, 8080));
    }

    [Fact]
    public void Only_silos_reach_the_development_stores()
    {
        var set = Rendering.Load("overlays/dev");
        var policies = new NetworkPolicies(set, NamespaceChecks.Namespace);
        var silo = Peer.Pod(set.Workload(SiloChecks.Name));

        Assert.True(policies.Allows(silo, Peer.Pod(set.Workload("redis")), 6379));
        Assert.True(policies.Allows(silo, Peer.Pod(set.Workload("postgres")), 5432));
        Assert.False(policies.Allows(Peer.Outside, Peer.Pod(set.Workload("redis")), 6379));
        Assert.False(policies.Allows(Peer.Pod(set.Workload("otel-collector")), Peer.Pod(set.Workload("postgres")), 5432));
    }

    private static (NetworkPolicies Policies, Peer Silo, Peer Trainer, Peer Collector) Open(string kustomization)
    {
        var set = Rendering.Load(kustomization);
        var trainer = set.Workloads.Single(static w => w.Kind == "Job");
        return (new NetworkPolicies(set, NamespaceChecks.Namespace), Peer.Pod(set.Workload(SiloChecks.Name)), Peer.Pod(trainer), Peer.Pod(set.Workload("otel-collector")));
    }
}

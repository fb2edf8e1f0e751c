using IotAi.Deploy.Tests.Checks;
using IotAi.Deploy.Tests.Manifests;
using k8s.Models;

namespace IotAi.Deploy.Tests;

/// <summary>What sets production apart from development, and what neither may get wrong.</summary>
public sealed class OverlayTests
{
    [Fact]
    public void Production_pins_every_image_including_the_trainer_the_silos_start() =>
        Findings.None(ContainerChecks.UnpinnedImages(Rendering.Load("overlays/prod")));

    [Fact]
    public void Production_runs_three_silos_or_more_and_scales_in_one_at_a_time_slowly()
    {
        var set = Rendering.Load("overlays/prod");
        var hpa = set.Get<V2HorizontalPodAutoscaler>("iotai-silo");
        var scaleDown = hpa.Spec.Behavior.ScaleDown;

        Assert.True(set.Get<V1Deployment>("iotai-silo").Spec.Replicas >= 3);
        Assert.True(hpa.Spec.MinReplicas >= 3);
        Assert.True(scaleDown.StabilizationWindowSeconds >= 600, "MQTT connections are long-lived: wait ten minutes before scaling in");
        Assert.All(scaleDown.Policies, static p => Assert.True(p is { Type: "Pods", Value: 1 } && p.PeriodSeconds >= 180, "at most one silo every few minutes"));
        Assert.Equal("1", set.Get<V1PodDisruptionBudget>("iotai-silo").Spec.MaxUnavailable.Value);
    }

    [Fact]
    public void Production_takes_MQTT_over_TLS_only_from_devices_and_in_cluster_clients_alike()
    {
        var set = Rendering.Load("overlays/prod");
        var settings = set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container);
        var mqtt = SettingsChecks.Bind<IotAi.Gateway.Mqtt.MqttIngressOptions>(settings, IotAi.Gateway.Mqtt.MqttIngressOptions.SectionName);
        var tls = SettingsChecks.Bind<IotAi.Gateway.Mqtt.Identity.MqttTlsOptions>(settings, IotAi.Gateway.Mqtt.Identity.MqttTlsOptions.SectionName);
        var servicePorts = set.All<V1Service>().SelectMany(static s => s.Spec.Ports).ToList();

        Assert.False(mqtt.PlainEnabled);
        Assert.True(tls.Enabled);
        Assert.DoesNotContain(servicePorts, static p => p.Port == 1883 || p.TargetPort?.Value is "mqtt" or "1883");
        Assert.Contains(set.Get<V1Service>("iotai-mqtt-internal").Spec.Ports, static p => p is { Port: 8883, TargetPort.Value: "mqtts" });
        var dev = Rendering.Load("overlays/dev");
        Assert.True(SiloChecks.PlainMqttEnabled(dev.Settings(dev.Workload(SiloChecks.Name), SiloChecks.Container)), "development keeps plain MQTT for local clients");
    }

    [Fact]
    public void Production_holds_no_Secret_and_names_each_one_operators_must_supply()
    {
        var set = Rendering.Load("overlays/prod");
        var readme = File.ReadAllText(Repository.PathTo("deploy", "k8s", "README.md"));
        var guide = File.ReadAllText(Repository.PathTo("docs", "deploy.md"));

        Assert.Empty(set.All<V1Secret>());
        Assert.All(RenderedManifestTests.OperatorSecrets, s => Assert.Contains(s, readme, StringComparison.Ordinal));
        Assert.All(RenderedManifestTests.OperatorSecrets, s => Assert.Contains(s, guide, StringComparison.Ordinal));
    }

    [Fact]
    public void Production_signs_with_the_operators_key_in_the_silos_and_in_training_Jobs()
    {
        var set = Rendering.Load("overlays/prod");
        var settings = set.Settings(set.Workload(SiloChecks.Name), SiloChecks.Container);
        var job = set.Workloads.Single(static w => w.Kind == "Job");

        Assert.Equal("KubernetesJob", settings["Learning:Training:Executor"]);
        Assert.Equal("iotai-signing-key", settings["Learning:Training:Job:SigningKeySecret"]);
        Assert.Contains(set.Workload(SiloChecks.Name).Pod.Volumes, static v => v.Secret?.SecretName == "iotai-signing-key" && v.Secret.Optional != true);
        Assert.Contains(job.Pod.Volumes, static v => v.Secret?.SecretName == "iotai-signing-key");
        Assert.Equal(settings["Gateway:DataDirectory"], settings["Learning:Training:Job:DataMountPath"]);
    }

    [Fact]
    public void Development_runs_small_with_its_own_stores_and_obviously_fake_secrets()
    {
        var set = Rendering.Load("overlays/dev");
        var secret = set.Get<V1Secret>("iotai-connections");

        Assert.InRange(set.Get<V1Deployment>("iotai-silo").Spec.Replicas ?? 0, 1, 2);
        Assert.InRange(set.Get<V2HorizontalPodAutoscaler>("iotai-silo").Spec.MaxReplicas, 1, 2);
        Assert.NotNull(set.Find<V1StatefulSet>("redis"));
        Assert.NotNull(set.Find<V1StatefulSet>("postgres"));
        Assert.All(secret.Data.Values, static v => Assert.Contains("dev-only", System.Text.Encoding.UTF8.GetString(v), StringComparison.Ordinal));
    }

    [Fact]
    public void Stores_run_in_the_cluster_only_in_development()
    {
        foreach (var kustomization in new[] { "base", "overlays/prod" })
        {
            var set = Rendering.Load(kustomization);

            Assert.DoesNotContain(set.All<V1StatefulSet>(), static s => s.Metadata.Name is "redis" or "postgres");
        }
    }
}

using IotAi.Cli.Deploy;
using k8s.Models;

namespace IotAi.Cli.Tests.Deploy;

/// <summary><c>iotai deploy status</c> against a fake API server: replicas, pods, autoscaler and budget as a person reads them, and the exit code a script reads.</summary>
public sealed class DeployStatusTests : FakeClusterTest
{
    [Fact]
    public async Task With_a_replica_not_ready_status_shows_the_counts_every_pod_and_exits_non_zero()
    {
        Api.Add(Silo(desired: 3, ready: 2));
        Api.Add(Pod("iotai-silo-7d9f8-a1b2c", "Running", ready: true, restarts: 0, "node-a"));
        Api.Add(Pod("iotai-silo-7d9f8-d3e4f", "Running", ready: true, restarts: 1, "node-b"));
        Api.Add(Pod("iotai-silo-7d9f8-g5h6i", "Pending", ready: false, restarts: 4, null));
        Api.Add(Pod("otel-collector-5c6d7-j7k8l", "Running", ready: true, restarts: 0, "node-a", app: "otel-collector"));
        Api.Add(Autoscaler(current: 3, desired: 4, cpu: 85));
        Api.Add(Budget(allowed: 0));

        var run = await DeployRun.RunAsync("status", "--kubeconfig", Kubeconfig);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Deployment iotai/iotai-silo: 3 desired, 2 ready, 3 updated, 2 available", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"iotai-silo-7d9f8-a1b2c\s*│\s*Running\s*│\s*1/1\s*│\s*0\s*│\s*node-a\s*│\s*42m", run.Output);
        Assert.Matches(@"iotai-silo-7d9f8-d3e4f\s*│\s*Running\s*│\s*1/1\s*│\s*1\s*│\s*node-b", run.Output);
        Assert.Matches(@"iotai-silo-7d9f8-g5h6i\s*│\s*Pending\s*│\s*0/1\s*│\s*4\s*│\s*\(not scheduled\)", run.Output);
        Assert.DoesNotContain("otel-collector", run.Output, StringComparison.Ordinal);
        Assert.Contains("autoscaler iotai-silo: 3 current, 4 desired (min 2, max 6); cpu 85% (target 70%)", run.Output, StringComparison.Ordinal);
        Assert.Contains("disruption budget iotai-silo: 0 disruption(s) allowed, 2 healthy of 3 expected", run.Output, StringComparison.Ordinal);
        Assert.Contains("Not ready: not all replicas are ready: 2 of 3 ready", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_gives_a_script_the_verdict_the_counts_and_every_pod()
    {
        Api.Add(Silo(desired: 3, ready: 2));
        Api.Add(Pod("iotai-silo-7d9f8-a1b2c", "Running", ready: true, restarts: 0, "node-a"));
        Api.Add(Pod("iotai-silo-7d9f8-g5h6i", "Pending", ready: false, restarts: 4, null));

        var run = await DeployRun.RunAsync("status", "--kubeconfig", Kubeconfig, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.False(root.GetProperty("ready").GetBoolean());
        Assert.Equal("not all replicas are ready: 2 of 3 ready", root.GetProperty("problem").GetString());
        Assert.Equal(3, root.GetProperty("replicas").GetProperty("desired").GetInt32());
        var pods = root.GetProperty("pods").EnumerateArray().ToList();
        Assert.Equal(["iotai-silo-7d9f8-a1b2c", "iotai-silo-7d9f8-g5h6i"], pods.Select(static p => p.GetProperty("name").GetString()));
        Assert.Equal((0, 4), (pods[1].GetProperty("ready").GetInt32(), pods[1].GetProperty("restarts").GetInt32()));
    }

    [Fact]
    public async Task With_every_replica_ready_status_exits_zero()
    {
        Api.Add(Silo(desired: 2, ready: 2));
        Api.Add(Pod("iotai-silo-7d9f8-a1b2c", "Running", ready: true, restarts: 0, "node-a"));
        Api.Add(Pod("iotai-silo-7d9f8-d3e4f", "Running", ready: true, restarts: 0, "node-b"));

        var run = await DeployRun.RunAsync("status", "--kubeconfig", Kubeconfig, "--namespace", "iotai");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Ready: all 2 replicas updated, ready and available", run.Output, StringComparison.Ordinal);
        Assert.Contains("autoscaler: none", run.Output, StringComparison.Ordinal);
        Assert.Contains("disruption budget: none", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollout_still_replacing_old_pods_is_not_ready()
    {
        var silo = Silo(desired: 2, ready: 2);
        silo.Status.Replicas = 3;
        silo.Status.UpdatedReplicas = 1;
        Api.Add(silo);

        var run = await DeployRun.RunAsync("status", "--kubeconfig", Kubeconfig);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Not ready: not all replicas are updated: 1 of 2 run the latest template", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_Deployment_status_says_so_and_exits_non_zero()
    {
        var run = await DeployRun.RunAsync("status", "--kubeconfig", Kubeconfig);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("there is no Deployment iotai-silo in namespace iotai", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_watches_until_the_last_replica_is_ready()
    {
        Api.Add(Silo(desired: 2, ready: 1));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var run = DeployRun.RunAsync(DeployCommand.Create(), ["status", "--kubeconfig", Kubeconfig, "--wait", "--timeout", "60"], timeout.Token);
        await Api.WatchStartedAsync(timeout.Token);
        Assert.False(run.IsCompleted, "status --wait returned before the silos were ready");
        Api.Update(Silo(desired: 2, ready: 2));
        var result = await run;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Ready: all 2 replicas", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_gives_up_at_the_timeout_and_exits_non_zero()
    {
        Api.Add(Silo(desired: 2, ready: 1));

        var run = await DeployRun.RunAsync("status", "--kubeconfig", Kubeconfig, "--wait", "--timeout", "1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Gave up after 1 s. As it stands:", run.Output, StringComparison.Ordinal);
        Assert.Contains("Not ready: not all replicas are ready: 1 of 2 ready", run.Output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Labels(string app) => new() { ["app.kubernetes.io/name"] = app, ["app.kubernetes.io/part-of"] = "iotai" };

    private static V1Deployment Silo(int desired, int ready) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = "iotai-silo", NamespaceProperty = "iotai", Generation = 3 },
        Spec = new V1DeploymentSpec
        {
            Replicas = desired,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "iotai-silo" } },
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Labels("iotai-silo") } },
        },
        Status = new V1DeploymentStatus { ObservedGeneration = 3, Replicas = desired, UpdatedReplicas = desired, ReadyReplicas = ready, AvailableReplicas = ready },
    };

    private static V1Pod Pod(string name, string phase, bool ready, int restarts, string? node, string app = "iotai-silo") => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "iotai", Labels = Labels(app), CreationTimestamp = DateTime.UtcNow.AddMinutes(-42.5) },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "silo" }] },
        Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = [new V1ContainerStatus { Name = "silo", Ready = ready, RestartCount = restarts, Image = "iotai-silo:dev", ImageID = "" }],
        },
    };

    private static V2HorizontalPodAutoscaler Autoscaler(int current, int desired, int cpu) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = new V1ObjectMeta { Name = "iotai-silo", NamespaceProperty = "iotai" },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            MinReplicas = 2,
            MaxReplicas = 6,
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "iotai-silo" },
            Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 70 } } }],
        },
        Status = new V2HorizontalPodAutoscalerStatus
        {
            CurrentReplicas = current,
            DesiredReplicas = desired,
            CurrentMetrics = [new V2MetricStatus { Type = "Resource", Resource = new V2ResourceMetricStatus { Name = "cpu", Current = new V2MetricValueStatus { AverageUtilization = cpu } } }],
        },
    };

    private static V1PodDisruptionBudget Budget(int allowed) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = new V1ObjectMeta { Name = "iotai-silo", NamespaceProperty = "iotai" },
        Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = new V1LabelSelector { MatchLabels = Labels("iotai-silo") } },
        Status = new V1PodDisruptionBudgetStatus { DisruptionsAllowed = allowed, CurrentHealthy = 2, DesiredHealthy = 2, ExpectedPods = 3 },
    };
}

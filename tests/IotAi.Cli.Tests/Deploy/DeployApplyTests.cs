using System.Text;

namespace IotAi.Cli.Tests.Deploy;

/// <summary>
/// <c>iotai deploy apply</c> against a fake API server: one server-side apply PATCH per rendered object, in
/// dependency order, to each kind's own path, and a refusal that stops the run naming the object.
/// </summary>
public sealed class DeployApplyTests : FakeClusterTest
{
    /// <summary>The order the objects of the dev overlay must arrive in, written out independently of the code.</summary>
    private static readonly string[][] Order =
    [
        ["Namespace"],
        ["ServiceAccount", "Role", "RoleBinding"],
        ["ConfigMap", "Secret", "PersistentVolumeClaim"],
        ["Deployment", "StatefulSet"],
        ["Service"],
        ["Ingress"],
        ["HorizontalPodAutoscaler"],
        ["PodDisruptionBudget"],
        ["NetworkPolicy"],
    ];

    [Fact]
    public async Task Every_object_goes_as_one_server_side_apply_patch_namespace_first_then_in_dependency_order()
    {
        var rendered = await DeployRun.RunAsync("render", "--overlay", "dev");

        var run = await DeployRun.RunAsync("apply", "--overlay", "dev", "--kubeconfig", Kubeconfig);

        Assert.True(run.ExitCode == 0, run.ToString());
        var applies = Api.Applies.ToList();
        Assert.Equal(DeployRenderTests.KindCounts(rendered.Output), string.Join(' ', applies.GroupBy(static a => a.Kind).OrderBy(static g => g.Key, StringComparer.Ordinal).Select(static g => $"{g.Key}={g.Count()}")));
        Assert.All(applies, static a =>
        {
            Assert.Equal("PATCH", a.Method);
            Assert.StartsWith("application/apply-patch+yaml", a.ContentType, StringComparison.Ordinal);
            Assert.Equal("iotai", a.Query["fieldManager"]);
            Assert.Equal("true", a.Query["force"]);
            Assert.False(a.Query.ContainsKey("dryRun"));
            Assert.EndsWith($"/{a.Name}", a.Path, StringComparison.Ordinal);
        });
        Assert.Equal(("Namespace", "/api/v1/namespaces/iotai"), (applies[0].Kind, applies[0].Path));
        var groups = applies.Select(static a => Array.FindIndex(Order, g => g.Contains(a.Kind))).ToList();
        Assert.DoesNotContain(-1, groups);
        Assert.Equal(groups.Order(), groups);
        Assert.Equal(Enumerable.Range(0, Order.Length), groups.Distinct());
        Assert.Equal(applies.Count + 1, run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Namespace/iotai created\n", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Deployment", "iotai-silo", "/apis/apps/v1/namespaces/iotai/deployments/iotai-silo")]
    [InlineData("StatefulSet", "redis", "/apis/apps/v1/namespaces/iotai/statefulsets/redis")]
    [InlineData("Role", "iotai-silo", "/apis/rbac.authorization.k8s.io/v1/namespaces/iotai/roles/iotai-silo")]
    [InlineData("Secret", "iotai-connections", "/api/v1/namespaces/iotai/secrets/iotai-connections")]
    [InlineData("PersistentVolumeClaim", "iotai-data", "/api/v1/namespaces/iotai/persistentvolumeclaims/iotai-data")]
    [InlineData("HorizontalPodAutoscaler", "iotai-silo", "/apis/autoscaling/v2/namespaces/iotai/horizontalpodautoscalers/iotai-silo")]
    [InlineData("PodDisruptionBudget", "iotai-silo", "/apis/policy/v1/namespaces/iotai/poddisruptionbudgets/iotai-silo")]
    [InlineData("NetworkPolicy", "default-deny", "/apis/networking.k8s.io/v1/namespaces/iotai/networkpolicies/default-deny")]
    [InlineData("Ingress", "iotai-http", "/apis/networking.k8s.io/v1/namespaces/iotai/ingresses/iotai-http")]
    public async Task Each_kind_goes_to_its_own_path_with_the_whole_object(string kind, string name, string path)
    {
        var run = await DeployRun.RunAsync("apply", "--kubeconfig", Kubeconfig);

        Assert.True(run.ExitCode == 0, run.ToString());
        var apply = Assert.Single(Api.Applies, a => a.Kind == kind && a.Name == name);
        Assert.Equal(path, apply.Path);
        Assert.Equal("iotai", (string?)apply.Body["metadata"]!["namespace"]);
        Assert.NotNull(apply.Body["apiVersion"]);
    }

    [Fact]
    public async Task The_dev_silo_goes_with_the_overlay_s_replicas_and_image_and_a_second_apply_is_reported_as_applied()
    {
        await DeployRun.RunAsync("apply", "--kubeconfig", Kubeconfig);
        var again = await DeployRun.RunAsync("apply", "--kubeconfig", Kubeconfig);

        Assert.True(again.ExitCode == 0, again.ToString());
        var silo = Api.Applies.Last(static a => a is { Kind: "Deployment", Name: "iotai-silo" }).Body;
        Assert.Equal(1, (int)silo["spec"]!["replicas"]!);
        Assert.Equal("iotai-silo:dev", (string?)silo["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Contains("Deployment/iotai-silo applied\n", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" created", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Secret_goes_with_its_data_encoded_once()
    {
        var run = await DeployRun.RunAsync("apply", "--kubeconfig", Kubeconfig);

        Assert.True(run.ExitCode == 0, run.ToString());
        var secret = Assert.Single(Api.Applies, static a => a.Kind == "Secret").Body;
        Assert.Equal("dev-only-not-a-secret", Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["redis-password"]!)));
    }

    [Theory]
    [InlineData(new[] { "--dry-run" }, "iotai", "All", "applied (dry run)")]
    [InlineData(new[] { "--field-manager", "ops" }, "ops", null, "created")]
    public async Task Dry_run_and_field_manager_go_on_every_patch(string[] options, string manager, string? dryRun, string outcome)
    {
        var run = await DeployRun.RunAsync(["apply", "--kubeconfig", Kubeconfig, .. options]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.NotEmpty(Api.Applies);
        Assert.All(Api.Applies, a => Assert.Equal((manager, dryRun), (a.Query["fieldManager"], a.Query.GetValueOrDefault("dryRun"))));
        Assert.Contains($"Namespace/iotai {outcome}\n", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_object_stops_the_apply_with_its_name_and_the_server_s_message()
    {
        const string Reason = "Deployment.apps \"iotai-silo\" is invalid: spec.template.spec.containers[0].image: Required value";
        Api.Refuse("Deployment", "iotai-silo", Reason);

        var run = await DeployRun.RunAsync("apply", "--kubeconfig", Kubeconfig);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("the API server refused Deployment iotai-silo (422 UnprocessableEntity): " + Reason, run.Error, StringComparison.Ordinal);
        Assert.Contains("were applied before it; the rest were not sent", run.Error, StringComparison.Ordinal);
        var last = Api.Applies.Last();
        Assert.Equal(("Deployment", "iotai-silo"), (last.Kind, last.Name));
        Assert.DoesNotContain(Api.Applies, static a => a.Kind is "Service" or "NetworkPolicy");
    }

    [Fact]
    public async Task A_manifest_that_does_not_load_strictly_reaches_no_cluster()
    {
        var overlay = TestManifests.DevWithMisspeltReplicas(Root);

        var run = await DeployRun.RunAsync("apply", "--overlay", overlay, "--kubeconfig", Kubeconfig);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Deployment iotai-silo: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(Api.Applies);
    }

    [Fact]
    public async Task The_context_named_is_used_instead_of_the_current_one()
    {
        var kubeconfig = TestKubeconfig.Write(Directory.CreateDirectory(Path.Combine(Root.FullName, "unreachable")).FullName, Api.Url, currentContext: "unreachable");

        var current = await DeployRun.RunAsync("apply", "--kubeconfig", kubeconfig);
        var named = await DeployRun.RunAsync("apply", "--kubeconfig", kubeconfig, "--context", "fake");

        Assert.Equal(1, current.ExitCode);
        Assert.Contains("iotai: cannot reach the Kubernetes API server", current.Error, StringComparison.Ordinal);
        Assert.True(named.ExitCode == 0, named.ToString());
        Assert.Contains("(context fake)", named.Output, StringComparison.Ordinal);
    }
}

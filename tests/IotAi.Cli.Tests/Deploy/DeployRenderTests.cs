using System.Text.RegularExpressions;
using IotAi.Cli.Deploy;
using IotAi.Deploy;

namespace IotAi.Cli.Tests.Deploy;

/// <summary><c>iotai deploy render</c>: each kustomization renders with kubectl and loads strictly; a misspelt field stops it, naming the object.</summary>
public sealed partial class DeployRenderTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-deploy-render-");

    [Theory]
    [InlineData("base", "ConfigMap=2 Deployment=2 HorizontalPodAutoscaler=1 Ingress=1 Namespace=1 NetworkPolicy=8 PersistentVolumeClaim=1 PodDisruptionBudget=1 Role=1 RoleBinding=1 Service=4 ServiceAccount=2", "image: iotai-silo\n")]
    [InlineData("dev", "ConfigMap=2 Deployment=2 HorizontalPodAutoscaler=1 Ingress=1 Namespace=1 NetworkPolicy=10 PersistentVolumeClaim=1 PodDisruptionBudget=1 Role=1 RoleBinding=1 Secret=1 Service=6 ServiceAccount=2 StatefulSet=2", "image: iotai-silo:dev\n")]
    [InlineData("prod", "ConfigMap=2 Deployment=2 HorizontalPodAutoscaler=1 Ingress=1 Namespace=1 NetworkPolicy=8 PersistentVolumeClaim=1 PodDisruptionBudget=1 Role=1 RoleBinding=1 Service=4 ServiceAccount=2", "image: registry.example.com/iotai/iotai-silo:1.0.0\n")]
    public async Task Each_kustomization_renders_the_kinds_it_holds_with_its_own_silo_image(string overlay, string kinds, string siloImage)
    {
        var run = await DeployRun.RunAsync("render", "--overlay", overlay);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(kinds, KindCounts(run.Output));
        Assert.Contains(siloImage, run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Render_with_out_writes_the_yaml_to_the_file_and_says_how_many_objects()
    {
        var file = Path.Combine(_root.FullName, "rendered", "prod.yaml");

        var run = await DeployRun.RunAsync("render", "--overlay", "prod", "--out", file);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"25 objects of {Path.Combine(TestManifests.Repository, "overlays", "prod")} written to {file}", run.Output, StringComparison.Ordinal);
        Assert.Equal(25, KindLine().Count(await File.ReadAllTextAsync(file)));
    }

    [Fact]
    public async Task An_overlay_with_a_misspelt_field_fails_to_render_naming_the_object_and_the_field()
    {
        var overlay = TestManifests.DevWithMisspeltReplicas(_root);

        var run = await DeployRun.RunAsync("render", "--overlay", overlay);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("do not load strictly", run.Error, StringComparison.Ordinal);
        Assert.Contains("Deployment iotai-silo: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("replicaz", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task An_unknown_overlay_name_is_refused_with_the_ones_there_are()
    {
        var run = await DeployRun.RunAsync("render", "--overlay", "staging");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no overlay \"staging\"", run.Error, StringComparison.Ordinal);
        Assert.Contains("use base, dev, prod, or a kustomization folder", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_a_kustomization_is_refused()
    {
        var run = await DeployRun.RunAsync("render", "--overlay", _root.FullName);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"the overlay {_root.FullName} does not exist or has no kustomization.yaml", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_kubectl_render_says_it_needs_kubectl()
    {
        var run = await DeployRun.RunAsync(DeployCommand.Create(new ManifestRenderer("kubectl-that-is-not-installed")), ["render", "--overlay", "dev"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("kubectl-that-is-not-installed is not installed or not on PATH", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _root.Delete(recursive: true);

    /// <summary>"Kind=count …" of a rendering, kinds in order.</summary>
    internal static string KindCounts(string yaml) =>
        string.Join(' ', KindLine().Matches(yaml).GroupBy(static m => m.Groups[1].Value).OrderBy(static g => g.Key, StringComparer.Ordinal).Select(static g => $"{g.Key}={g.Count()}"));

    [GeneratedRegex(@"^kind: (\w+)$", RegexOptions.Multiline)]
    private static partial Regex KindLine();
}

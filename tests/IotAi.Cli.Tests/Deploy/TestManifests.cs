namespace IotAi.Cli.Tests.Deploy;

/// <summary>The repository's deploy/k8s, and copies of it broken in one place.</summary>
internal static class TestManifests
{
    private static readonly Lazy<string> Found = new(static () =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var manifests = Path.Combine(directory.FullName, "deploy", "k8s");
            if (Directory.Exists(Path.Combine(manifests, "base")))
            {
                return manifests;
            }
        }

        throw new InvalidOperationException($"no deploy/k8s above {AppContext.BaseDirectory}");
    });

    /// <summary>deploy/k8s of the repository the tests run from.</summary>
    public static string Repository => Found.Value;

    /// <summary>A copy of deploy/k8s in <paramref name="root"/> whose dev silo patch says <c>replicaz</c>; returns the copy's dev overlay.</summary>
    public static string DevWithMisspeltReplicas(DirectoryInfo root)
    {
        var copy = Path.Combine(root.FullName, "k8s");
        foreach (var path in Directory.EnumerateFiles(Repository, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Repository, path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target);
        }

        var patch = Path.Combine(copy, "overlays", "dev", "silo-patch.yaml");
        var text = File.ReadAllText(patch);
        Assert.Contains("  replicas: 1\n", text, StringComparison.Ordinal);
        File.WriteAllText(patch, text.Replace("  replicas: 1\n", "  replicaz: 1\n", StringComparison.Ordinal));
        return Path.Combine(copy, "overlays", "dev");
    }
}

namespace IotAi.Deploy.Tests.Manifests;

/// <summary>Paths in the repository the tests run from, found by walking up to IotAi.sln.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(static () =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IotAi.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no IotAi.sln above {AppContext.BaseDirectory}: the deploy tests read the repository's deploy/ folder");
    });

    public static string Root => RootPath.Value;

    public static string PathTo(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The kustomization folders every rendered check runs on.</summary>
    public static IReadOnlyList<string> Kustomizations { get; } = ["base", "overlays/dev", "overlays/prod"];
}

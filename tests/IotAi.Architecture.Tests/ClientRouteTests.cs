using System.Text.RegularExpressions;

namespace IotAi.Architecture.Tests;

/// <summary>The CLI and the benchmark call a silo through IotAi.Client, whose routes are checked against the API's OpenAPI document.</summary>
public sealed partial class ClientRouteTests
{
    [Theory]
    [InlineData("src", "IotAi.Cli")]
    [InlineData("simulators", "IotAi.Bench")]
    public void Only_the_client_builds_api_paths(string folder, string project)
    {
        var root = Path.Combine(ProjectGraph.FindRoot(), folder, project);
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(static f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();

        var paths = files.SelectMany(f => ApiPath().Matches(File.ReadAllText(f)).Select(m => $"{Path.GetFileName(f)}: {m.Value}")).ToList();

        Assert.True(files.Count > 10, $"only {files.Count} files found in {project}");
        Assert.True(paths.Count == 0, string.Join(Environment.NewLine, paths));
    }

    /// <summary>A string literal, plain or interpolated, that starts with an API path.</summary>
    [GeneratedRegex(@"\$?""/(api|v2)/[^""]*""")]
    private static partial Regex ApiPath();
}

using System.Text.RegularExpressions;

namespace IotAi.Architecture.Tests;

/// <summary>The CLI calls a silo through IotAi.Client, whose routes are checked against the API's OpenAPI document.</summary>
public sealed partial class ClientRouteTests
{
    [Fact]
    public void The_cli_builds_no_api_path_of_its_own()
    {
        var cli = Path.Combine(ProjectGraph.FindRoot(), "src", "IotAi.Cli");
        // The benchmark lab still calls the API itself; it is to move to simulators/IotAi.Bench onto the client.
        var bench = Path.Combine(cli, "Bench") + Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(cli, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(bench, StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();

        var paths = files.SelectMany(f => ApiPath().Matches(File.ReadAllText(f)).Select(m => $"{Path.GetFileName(f)}: {m.Value}")).ToList();

        Assert.True(files.Count > 20, $"only {files.Count} CLI files found");
        Assert.True(paths.Count == 0, string.Join(Environment.NewLine, paths));
    }

    /// <summary>A string literal, plain or interpolated, that starts with an API path.</summary>
    [GeneratedRegex(@"\$?""/(api|v2)/[^""]*""")]
    private static partial Regex ApiPath();
}

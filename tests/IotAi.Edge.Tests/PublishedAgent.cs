using System.Diagnostics;

namespace IotAi.Edge.Tests;

/// <summary>
/// The agent as a device gets it: <c>dotnet publish -r linux-x64</c>, one executable compiled ahead of time. Published
/// once per test run, with build outputs of its own beside the tests, so it neither waits on nor disturbs the build
/// the tests run from; a second run on the same machine publishes again only what changed.
/// </summary>
internal static class PublishedAgent
{
    public const string RuntimeIdentifier = "linux-x64";

    private static readonly Lazy<Task<string>> Folder = new(PublishAsync);

    /// <summary>The folder the publish wrote: the program, its native libraries and appsettings.json.</summary>
    public static Task<string> FolderAsync() => Folder.Value;

    private static async Task<string> PublishAsync()
    {
        var artifacts = Path.Combine(AppContext.BaseDirectory, "published-agent");
        var output = Path.Combine(artifacts, "publish-" + RuntimeIdentifier);
        var project = Path.Combine(PackagingTests.Repository, "edge", "IotAi.EdgeAgent", "IotAi.EdgeAgent.csproj");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // No build servers: one left running would hold this process's pipes open, and the test with them.
        foreach (var argument in (string[])["publish", project, "-c", "Release", "-r", RuntimeIdentifier, "--artifacts-path", artifacts, "-o", output, "--disable-build-servers", "-v:q", "-nologo"])
        {
            start.ArgumentList.Add(argument);
        }

        using var publish = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start.");
        // The ahead-of-time compiler takes every core for a minute or more; below normal priority (inherited by the
        // compiler it starts) it does not starve the agents that tests beside it run against their timeouts.
        publish.PriorityClass = ProcessPriorityClass.BelowNormal;
        var log = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{await log}\n{await errors}");
        }

        return output;
    }
}

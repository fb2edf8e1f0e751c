using System.Diagnostics;
using System.Xml.Linq;

namespace IotAi.Edge.Tests;

/// <summary>The files that install the agent on a device agree with the program they install, and systemd accepts the unit.</summary>
public sealed class PackagingTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("iotai-unit-");

    private static string Repository { get; } = FindRepository();

    private static string ProgramName => XDocument.Load(Path.Combine(Repository, "edge", "IotAi.EdgeAgent", "IotAi.EdgeAgent.csproj"))
        .Descendants("AssemblyName").Single().Value;

    [Fact]
    public async Task Systemd_verifies_the_unit_with_the_real_program_in_place()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(Repository, "deploy", "edge", "iotai-edge.service"));
        Assert.Contains($"ExecStart=/opt/iotai-edge/{ProgramName}\n", unit, StringComparison.Ordinal);
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);

        // The unit as installed, pointing at the program this build produced.
        var program = Path.Combine(AppContext.BaseDirectory, ProgramName);
        Assert.True(File.Exists(program), $"{program} was not built");
        var installed = Path.Combine(_scratch.FullName, "iotai-edge.service");
        await File.WriteAllTextAsync(installed, unit.Replace("/opt/iotai-edge/", AppContext.BaseDirectory.TrimEnd('/') + "/", StringComparison.Ordinal));

        var (exitCode, output) = await RunAsync("systemd-analyze", "verify", installed);

        Assert.True(exitCode == 0 && output.Length == 0, $"systemd-analyze verify said ({exitCode}): {output}");
    }

    [Fact]
    public async Task The_container_image_publishes_the_agent_program_and_runs_it()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repository, "deploy", "edge", "Dockerfile"));

        Assert.Contains("dotnet publish edge/IotAi.EdgeAgent ", dockerfile, StringComparison.Ordinal);
        Assert.Contains($"ENTRYPOINT [\"./{ProgramName}\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains("VOLUME /var/lib/iotai-edge", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENV Edge__DataDirectory=/var/lib/iotai-edge", dockerfile, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, (await output + await error).Trim());
    }

    private static string FindRepository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "IotAi.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository.");
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}

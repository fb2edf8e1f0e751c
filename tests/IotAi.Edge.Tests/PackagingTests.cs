using System.Diagnostics;
using System.Text.Json;
using System.Xml.Linq;
using IotAi.Edge.Models;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Tests.Shared;

namespace IotAi.Edge.Tests;

/// <summary>
/// The agent as a device runs it: the native program a publish makes connects, runs its model and stops when told,
/// and the files that install it on a device agree with it, systemd accepting the unit.
/// </summary>
public sealed class PackagingTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("iotai-packaging-");

    internal static string Repository { get; } = FindRepository();

    private static string ProgramName => XDocument.Load(Path.Combine(Repository, "edge", "IotAi.EdgeAgent", "IotAi.EdgeAgent.csproj"))
        .Descendants("AssemblyName").Single().Value;

    [Fact]
    public async Task The_published_agent_is_one_native_program_that_connects_runs_its_model_and_stops_on_SIGTERM()
    {
        var folder = await PublishedAgent.FolderAsync();
        var program = Path.Combine(folder, ProgramName);
        // Compiled ahead of time: an ELF executable, with no assembly or runtime configuration beside it to run on .NET.
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], (await File.ReadAllBytesAsync(program))[..4]);
        Assert.Empty(Directory.GetFiles(folder, "*.dll"));
        Assert.Empty(Directory.GetFiles(folder, "*.runtimeconfig.json"));

        // The shipped sensor model, signed and stored as a verified update would have left it.
        var signer = ModelSigner.Generate();
        var (package, key) = await ShippedSensorModel.SignAsync(signer, _scratch.FullName);
        var deviceId = AgentHost.NewDeviceId("native");
        var store = new EdgeModelStore(Path.Combine(_scratch.FullName, deviceId, "models"));
        store.Save(package);
        store.SetCurrent(package.Manifest.Name, package.Manifest.Version);

        await using var broker = await TestBroker.StartAsync();
        using var agent = AgentProcess.Start(broker.Port, deviceId, _scratch.FullName, new Dictionary<string, string>
        {
            ["TrustedKeyFiles:0"] = key,
            ["Sources:0"] = "sensor",
            ["SensorInterval"] = "00:00:00.020",
            ["QualityReportInterval"] = "00:00:00.200",
        }, program);

        // Its own model answered readings: ONNX Runtime, the signed manifest and the key were all read without reflection.
        var quality = await broker.WaitForAsync(p => p.Topic == DeviceTopics.ModelQuality(deviceId), TimeSpan.FromSeconds(60));
        var report = JsonSerializer.Deserialize(quality.Payload, ProtocolJson.Wire.ModelQualityReport)!;
        Assert.Equal(("sensor-anomaly", "1"), (report.Name, report.Version));
        Assert.True(report.Samples > 0, "the quality report counts no sample");
        var reported = await broker.WaitForAsync(p => p.Topic == DeviceTopics.Reported(deviceId), TimeSpan.FromSeconds(30));
        var (properties, error) = ReportedProperties.Read(reported.Payload);
        Assert.True(error is null, error);
        Assert.Equal("sensor-anomaly:1", properties![ReportedProperties.Models]);
        Assert.Contains(broker.PublishedBy(deviceId), p => p.Topic == DeviceTopics.Telemetry(deviceId));

        // Stopped as systemd and docker stop it: it closes its queue and exits cleanly.
        Assert.True(await agent.TerminateAsync(TimeSpan.FromSeconds(30)) == 0, agent.ErrorTail);
    }

    [Fact]
    public async Task Systemd_verifies_the_unit_with_the_published_program_in_place()
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(Repository, "deploy", "edge", "iotai-edge.service"));
        Assert.Contains($"ExecStart=/opt/iotai-edge/{ProgramName}\n", unit, StringComparison.Ordinal);
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        // A native program extracts nothing at start, so the unit gives it no place to.
        Assert.DoesNotContain("DOTNET_BUNDLE_EXTRACT_BASE_DIR", unit, StringComparison.Ordinal);

        // The unit as installed, pointing at the folder the publish made.
        var folder = await PublishedAgent.FolderAsync();
        var installed = Path.Combine(_scratch.FullName, "iotai-edge.service");
        await File.WriteAllTextAsync(installed, unit.Replace("/opt/iotai-edge/", folder.TrimEnd('/') + "/", StringComparison.Ordinal));

        var (exitCode, output) = await RunAsync("systemd-analyze", "verify", installed);

        Assert.True(exitCode == 0 && output.Length == 0, $"systemd-analyze verify said ({exitCode}): {output}");
    }

    [Fact]
    public async Task The_container_image_publishes_the_native_agent_and_runs_it_without_a_dotnet_runtime()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repository, "deploy", "edge", "Dockerfile"));

        Assert.Contains("dotnet publish edge/IotAi.EdgeAgent ", dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("--self-contained false", dockerfile, StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime-deps:10.0", dockerfile, StringComparison.Ordinal);
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

using System.Diagnostics;
using System.Globalization;

namespace IotAi.Edge.Tests;

/// <summary>The real <c>iotai-edge</c> program in a process of its own, so a test can kill it as a power cut would.</summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;

    private AgentProcess(Process process) => _process = process;

    /// <summary>Starts an agent against the broker on <paramref name="port"/>; <paramref name="settings"/> are <c>Edge:</c> keys.</summary>
    public static AgentProcess Start(int port, string deviceId, string dataDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "iotai-edge.dll"));
        var values = new Dictionary<string, string>(settings)
        {
            ["DeviceId"] = deviceId,
            ["Host"] = "127.0.0.1",
            ["Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["DataDirectory"] = dataDirectory,
        };
        foreach (var (key, value) in values)
        {
            start.ArgumentList.Add($"--Edge:{key}={value}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The agent did not start.");
        // Drained so a chatty agent never blocks on a full pipe.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AgentProcess(process);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed that was not already committed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

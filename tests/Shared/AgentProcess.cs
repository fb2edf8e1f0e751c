using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace IotAi.Tests.Shared;

/// <summary>
/// The real <c>iotai-edge</c> program in a process of its own, so a test can kill it as a power cut would. The test
/// project references the program's project, which puts <c>iotai-edge.dll</c> beside the tests, or, in a project that
/// also runs silos, copies the program whole into <c>edge-agent/</c>; or it is the native program a publish made.
/// </summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private AgentProcess(Process process) => _process = process;

    /// <summary>What the agent wrote to standard output so far, line by line: its answers, as JSON lines.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>The last lines of its standard error (its logs), for a failure to show.</summary>
    public string ErrorTail => string.Join('\n', _errors.TakeLast(40));

    /// <summary>
    /// Starts an agent against the broker on <paramref name="port"/>; <paramref name="settings"/> are <c>Edge:</c> keys.
    /// <paramref name="nativeProgram"/> runs that executable instead of the program's assembly on <c>dotnet</c>.
    /// </summary>
    public static AgentProcess Start(int port, string deviceId, string dataDirectory, IReadOnlyDictionary<string, string> settings, string? nativeProgram = null)
    {
        var start = new ProcessStartInfo(nativeProgram ?? "dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (nativeProgram is null)
        {
            var own = Path.Combine(AppContext.BaseDirectory, "edge-agent", "iotai-edge.dll");
            start.ArgumentList.Add(File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "iotai-edge.dll"));
        }

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
        var agent = new AgentProcess(process);
        // Read as they come, so a chatty agent never blocks on a full pipe.
        process.OutputDataReceived += (_, e) => Keep(agent._output, e.Data, limit: int.MaxValue);
        process.ErrorDataReceived += (_, e) => Keep(agent._errors, e.Data, limit: 1000);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>SIGTERM, as systemd and docker stop a service; returns the exit code once the agent has shut down.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-s", "TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) ?? throw new InvalidOperationException("kill did not start."))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
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

    private static void Keep(ConcurrentQueue<string> lines, string? line, int limit)
    {
        if (line is null)
        {
            return;
        }

        lines.Enqueue(line);
        while (lines.Count > limit && lines.TryDequeue(out _))
        {
        }
    }
}

using System.Diagnostics;

namespace IotAi.Tests.Shared;

/// <summary>What the servers the tests start share: a program found on the machine, a process drained and killed.</summary>
internal static class LocalServer
{
    /// <summary>The first of <paramref name="candidates"/> that exists, or a failure that says what to install.</summary>
    public static string Find(string install, params string[] candidates) =>
        candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"None of {string.Join(", ", candidates)} is installed; the tests need {install} (apt-get install -y {install}).");

    /// <summary>
    /// Starts <paramref name="start"/> with its output drained, so a chatty server never blocks on a full pipe, and kept
    /// in <paramref name="log"/> when one is given, to say why a server failed.
    /// </summary>
    public static Process Start(ProcessStartInfo start, string? log = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var gate = new Lock();
        void Keep(string? line)
        {
            if (log is not null && line is not null)
            {
                // A line at a time, so lines that arrive after the process has gone still land.
                lock (gate)
                {
                    File.AppendAllLines(log, [line]);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The last lines of a log <see cref="Start"/> kept.</summary>
    public static string Tail(string log, int lines = 30) =>
        File.Exists(log) ? string.Join(Environment.NewLine, File.ReadLines(log).TakeLast(lines)) : "(no log)";

    /// <summary>Runs a program to its end and fails with its output if it fails.</summary>
    public static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with {process.ExitCode}: {await output}{await error}");
        }
    }

    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}

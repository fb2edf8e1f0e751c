using System.Diagnostics;

namespace IotAi.Cli.Tests;

internal static class IotaiProcess
{
    /// <summary>Runs the built <c>iotai</c> (the CLI project's own output, beside this test's) as a user would, with its output redirected.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        var cli = AppContext.BaseDirectory.Replace(Path.Combine("tests", "IotAi.Cli.Tests"), Path.Combine("src", "IotAi.Cli"), StringComparison.Ordinal);
        start.ArgumentList.Add(Path.Combine(cli, "iotai.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
    }
}

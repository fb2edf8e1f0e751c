using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace IotAi.Bench;

/// <summary>
/// This program run again in a process of its own (a silo, a bare broker), so the benchmarks read a server's CPU and
/// memory apart from the load that drives it.
/// </summary>
internal static class ThisProgram
{
    private static readonly TimeSpan ListenLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How to run this program again with <paramref name="arguments"/>: through the apphost when there is one, else
    /// through dotnet, with the garbage collector's settings the silo image ships with (deploy/silo/Dockerfile), so
    /// figures hold for it. Standard output and error are redirected.
    /// </summary>
    public static ProcessStartInfo With(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in SiloProcess.ShippedGcSettings)
        {
            start.Environment[name] = value;
        }

        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.FileName = self;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Waits until <paramref name="process"/> accepts connections on every one of <paramref name="ports"/>; throws if it exits first or a minute passes.</summary>
    public static async Task WaitUntilListeningAsync(Process process, string name, int[] ports, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(ListenLimit.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The {name} process exited with code {process.ExitCode} before it listened.");
            }

            try
            {
                foreach (var port in ports)
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                }

                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }
}

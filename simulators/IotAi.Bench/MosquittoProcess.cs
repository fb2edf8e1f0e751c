using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IotAi.Bench;

/// <summary>The baseline broker: Mosquitto on a free loopback port, from the machine's own package.</summary>
public sealed class MosquittoProcess : IMeasuredServer, IAsyncDisposable
{
    private static readonly string[] Places = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

    private readonly Process _process;
    private readonly string _config;

    private MosquittoProcess(Process process, string config, int port)
    {
        _process = process;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    public string Name => "Mosquitto";

    int IMeasuredServer.MqttPort => Port;

    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>The installed Mosquitto's version line, for the report's machine description; null when none is installed.</summary>
    public static string? Version()
    {
        if (Places.FirstOrDefault(File.Exists) is not { } binary)
        {
            return null;
        }

        using var process = Process.Start(new ProcessStartInfo(binary, ["-h"]) { RedirectStandardOutput = true, RedirectStandardError = true });
        var first = process?.StandardOutput.ReadLine();
        process?.WaitForExit();
        return first?.Trim();
    }

    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>For figures that mean nothing without the baseline: fails, saying what to install, when Mosquitto is missing.</summary>
    public static async Task<MosquittoProcess> StartRequiredAsync(CancellationToken cancellationToken) =>
        await StartAsync(cancellationToken)
        ?? throw new InvalidOperationException("The benchmark compares the gateway with Mosquitto, which is not installed (apt-get install -y mosquitto).");

    /// <summary>Null when no <c>mosquitto</c> is installed (the report then says so).</summary>
    public static async Task<MosquittoProcess?> StartAsync(CancellationToken cancellationToken)
    {
        var binary = Places.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return null;
        }

        var port = SiloProcess.FreePort();
        var config = Path.GetTempFileName();
        // Queues deep enough that QoS 1 fan-out never drops a chunk, as the gateway never does; no cap on connections. Up to
        // 1,000 unacknowledged messages to a client (20 by default), as external broker mode's docs ask for the silos'
        // sake; a device of the suite's fleets has two in flight at most, so the baseline does not change.
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nmax_connections -1\nallow_anonymous true\nmax_queued_messages 100000\nmax_inflight_messages 1000\npersistence false\nlog_dest none\n", cancellationToken);
        var process = Process.Start(new ProcessStartInfo(binary, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("Mosquitto did not start.");
        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return new MosquittoProcess(process, config, port);
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        File.Delete(_config);
    }
}

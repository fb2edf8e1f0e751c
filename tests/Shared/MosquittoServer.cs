using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IotAi.Tests.Shared;

/// <summary>A real Mosquitto on a free loopback port, anonymous and in memory: the plain broker a fleet is compared with.</summary>
internal sealed class MosquittoServer : IAsyncDisposable
{
    private static readonly string[] Places = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

    private readonly Process _process;
    private readonly string _config;

    private MosquittoServer(Process process, string config, int port) => (_process, _config, Port) = (process, config, port);

    public int Port { get; }

    public static async Task<MosquittoServer> StartAsync()
    {
        var program = Places.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Mosquitto is not installed; these tests need it (apt-get install -y mosquitto).");
        var port = FreePort.Next();
        var config = Path.GetTempFileName();
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n"));
        var process = Process.Start(new ProcessStartInfo(program, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("Mosquitto did not start.");
        var server = new MosquittoServer(process, config, port);
        await Eventually.TrueAsync(server.ListensAsync, $"Mosquitto did not listen on port {port}", seconds: 30);
        return server;
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

    private async Task<bool> ListensAsync()
    {
        Assert.False(_process.HasExited, $"Mosquitto exited with code {(_process.HasExited ? _process.ExitCode : 0)}");
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests.Servers;

/// <summary>A real Mosquitto on a free loopback port, holding nothing on disk: the user's own broker that devices connect to.</summary>
internal sealed class MosquittoServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _config;

    private MosquittoServer(Process process, string config, int port) => (_process, _config, Port) = (process, config, port);

    public int Port { get; }

    public static async Task<MosquittoServer> StartAsync()
    {
        var program = LocalServer.Find("mosquitto", "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto");
        var port = FreePort.Next();
        var config = Path.GetTempFileName();
        // Sessions kept in memory, queues deep enough that a silo's share waits for it while it restarts, and room for a
        // silo's Receive Maximum, as docs/operations.md asks.
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture,
            $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 1000\nlog_dest none\n"));
        var mosquitto = new MosquittoServer(LocalServer.Start(new ProcessStartInfo(program, ["-c", config])), config, port);
        await Eventually.TrueAsync(mosquitto.AcceptsAsync, $"Mosquitto did not listen on port {port}", seconds: 30);
        return mosquitto;
    }

    public async ValueTask DisposeAsync()
    {
        await LocalServer.StopAsync(_process);
        File.Delete(_config);
    }

    private async Task<bool> AcceptsAsync()
    {
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

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IotAi.Tests.Shared;

namespace IotAi.Cluster.Tests.Servers;

/// <summary>A real Redis on a free loopback port, holding nothing on disk: the silos' membership table.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port) => (_process, Port) = (process, port);

    public int Port { get; }

    /// <summary>As StackExchange.Redis (and so the silos' <c>Cluster:Redis</c>) takes it.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public static async Task<RedisServer> StartAsync()
    {
        var program = LocalServer.Find("redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server");
        var port = FreePort.Next();
        var start = new ProcessStartInfo(program);
        foreach (var argument in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            start.ArgumentList.Add(argument);
        }

        var redis = new RedisServer(LocalServer.Start(start), port);
        await Eventually.TrueAsync(redis.AnswersPingAsync, $"Redis did not answer on port {port}", seconds: 30);
        return redis;
    }

    public ValueTask DisposeAsync() => new(LocalServer.StopAsync(_process));

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var reply = new byte[7];
            var read = await stream.ReadAsync(reply);
            return Encoding.ASCII.GetString(reply, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

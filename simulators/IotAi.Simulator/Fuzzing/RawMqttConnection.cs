using System.Net;
using System.Net.Sockets;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace IotAi.Simulator.Fuzzing;

/// <summary>A bare TCP connection to the broker, for bytes no well-behaved client would send.</summary>
public sealed class RawMqttConnection : IDisposable
{
    private readonly Socket _socket;

    private RawMqttConnection(Socket socket) => _socket = socket;

    public static async Task<RawMqttConnection> OpenAsync(int port, IPAddress from, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return new RawMqttConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of a packet as MQTTnet's own serializer writes them.</summary>
    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 1024 * 1024)).Encode(packet).ToArray();

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);

    /// <summary>Says it will send no more, so the broker handles what it has and then closes.</summary>
    public void EndSending() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>The next packet's first byte and body, or null once the broker has closed the connection.</summary>
    public async Task<(byte Header, byte[] Body)?> ReadPacketAsync(CancellationToken cancellationToken)
    {
        var one = new byte[1];
        if (!await ReadExactlyAsync(one, cancellationToken))
        {
            return null;
        }

        var header = one[0];
        var length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (!await ReadExactlyAsync(one, cancellationToken))
            {
                return null;
            }

            length |= (one[0] & 0x7F) << shift;
            if ((one[0] & 0x80) == 0)
            {
                break;
            }
        }

        var body = new byte[length];
        return await ReadExactlyAsync(body, cancellationToken) ? (header, body) : null;
    }

    /// <summary>Reads and drops whatever the broker sends until it closes the connection; false if it had not by the deadline.</summary>
    public async Task<bool> DrainAsync(TimeSpan patience)
    {
        using var deadline = new CancellationTokenSource(patience);
        var buffer = new byte[4096];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            // Reset by the broker: closed all the same.
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

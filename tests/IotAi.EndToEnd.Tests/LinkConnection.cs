using System.Net.Sockets;

namespace IotAi.EndToEnd.Tests;

/// <summary>One agent's connection through a <see cref="FaultyLink"/>; closing it drops both ends, and closing it again does nothing.</summary>
internal sealed class LinkConnection(Socket agent, Socket silo)
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NetworkStream Agent { get; } = new(agent, ownsSocket: false);

    public NetworkStream Silo { get; } = new(silo, ownsSocket: false);

    /// <summary>Completes when the connection is closed.</summary>
    public Task Closed => _closed.Task;

    public void Close()
    {
        if (_closed.TrySetResult())
        {
            Reset(agent);
            Reset(silo);
        }
    }

    /// <summary>Resets a socket: its peer sees the connection go at once, as when a path breaks.</summary>
    public static void Reset(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Never connected, or already closed.
        }

        socket.Dispose();
    }
}

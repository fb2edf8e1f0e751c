using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.EndToEnd.Tests;

/// <summary>
/// The network between an edge agent and a silo, as a TCP proxy on loopback that fails when the test says: it holds
/// what the silo sends once a number of model chunks have passed, cuts every connection and refuses new ones until
/// restored, and damages or loses a chunk on its way. It reads the silo's side as MQTT 5 packets to find the chunks (PUBLISH on
/// <c>devices/{id}/down/model/chunk/{sha256}/{index}</c>); the agent's side passes as it is.
/// </summary>
internal sealed class FaultyLink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _siloPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<LinkConnection> _connections = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private readonly List<int> _asked = [];
    private readonly List<int> _delivered = [];
    private int _holdAt = int.MaxValue;
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (int Index, bool Lose)? _damage;
    private int _chunksDamaged;
    private bool _refusing;

    private FaultyLink(int siloPort)
    {
        _siloPort = siloPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>A link to the silo's MQTT port; agents connect to <see cref="Port"/>.</summary>
    public static FaultyLink Start(int siloPort) => new(siloPort);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The chunk indexes the agent's fetches asked for, in order, repeats included.</summary>
    public IReadOnlyList<int> Asked
    {
        get
        {
            lock (_lock)
            {
                return [.. _asked];
            }
        }
    }

    /// <summary>The chunk indexes that reached the agent, in order, repeats included.</summary>
    public IReadOnlyList<int> Delivered
    {
        get
        {
            lock (_lock)
            {
                return [.. _delivered];
            }
        }
    }

    /// <summary>Chunks corrupted or lost on their way so far.</summary>
    public int ChunksDamaged
    {
        get
        {
            lock (_lock)
            {
                return _chunksDamaged;
            }
        }
    }

    /// <summary>
    /// Once <paramref name="after"/> more chunks have passed, holds everything the silo sends until <see cref="Release"/>
    /// or <see cref="Cut"/>; the task completes when the next chunk is held back. What the agent sends still passes.
    /// </summary>
    public Task HoldChunksAfter(int after)
    {
        lock (_lock)
        {
            _holdAt = _delivered.Count + after;
            _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _held.Task;
        }
    }

    /// <summary>Lets what was held go on, in order.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _holdAt = int.MaxValue;
            _released.TrySetResult();
        }
    }

    /// <summary>Flips a byte in the middle of the payload of the next chunk numbered <paramref name="index"/> that passes.</summary>
    public void CorruptChunk(int index)
    {
        lock (_lock)
        {
            _damage = (index, Lose: false);
        }
    }

    /// <summary>Loses the next chunk numbered <paramref name="index"/>, with the connection up: neither end hears of it.</summary>
    public void LoseChunk(int index)
    {
        lock (_lock)
        {
            _damage = (index, Lose: true);
        }
    }

    /// <summary>Drops every connection, with whatever was held, and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        List<LinkConnection> cut;
        lock (_lock)
        {
            _refusing = true;
            cut = [.. _connections];
            _connections.Clear();
            _holdAt = int.MaxValue;
            _released.TrySetResult();
        }

        cut.ForEach(static c => c.Close());
    }

    /// <summary>Takes connections again after a <see cref="Cut"/>.</summary>
    public void Restore()
    {
        lock (_lock)
        {
            _refusing = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        List<Task> pumps;
        lock (_lock)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket agent;
            try
            {
                agent = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // The link is stopping: its listener is stopped, or stops while this waits.
                return;
            }

            bool refused;
            lock (_lock)
            {
                refused = _refusing;
            }

            var silo = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (!refused)
                {
                    await silo.ConnectAsync(IPAddress.Loopback, _siloPort, _stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                refused = true;
            }

            if (refused)
            {
                LinkConnection.Reset(agent);
                LinkConnection.Reset(silo);
                continue;
            }

            var connection = new LinkConnection(agent, silo);
            lock (_lock)
            {
                _connections.Add(connection);
                _pumps.Add(RunAsync(connection));
            }
        }
    }

    /// <summary>Both directions until either ends; then the other end is dropped too, as a broken path drops both.</summary>
    private async Task RunAsync(LinkConnection connection)
    {
        var up = UpAsync(connection);
        var down = DownAsync(connection);
        await Task.WhenAny(up, down);
        connection.Close();
        lock (_lock)
        {
            _connections.Remove(connection);
        }

        try
        {
            await Task.WhenAll(up, down);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The connection was dropped: by the link, the silo or the agent.
        }
    }

    /// <summary>The agent's side, packet by packet, noting which chunks each fetch asks for.</summary>
    private async Task UpAsync(LinkConnection connection)
    {
        while (await MqttPackets.ReadAsync(connection.Agent) is { } packet)
        {
            if (MqttPackets.Publish(packet) is { } publish && publish.Topic.EndsWith("/up/model/fetch", StringComparison.Ordinal)
                && JsonSerializer.Deserialize(packet.AsSpan(publish.Payload), ProtocolJson.Default.ModelFetch) is { } fetch)
            {
                lock (_lock)
                {
                    _asked.AddRange(fetch.Indexes);
                }
            }

            await connection.Silo.WriteAsync(packet);
        }
    }

    /// <summary>The silo's side, packet by packet, so a chunk can be held back, damaged or lost whole.</summary>
    private async Task DownAsync(LinkConnection connection)
    {
        while (await MqttPackets.ReadAsync(connection.Silo) is { } packet)
        {
            if (MqttPackets.Publish(packet) is { } publish && publish.Topic.Split('/') is [_, var device, ..]
                && DeviceTopics.TryParseModelChunk(publish.Topic, DeviceTopics.ModelChunkPrefix(device), out _, out var index))
            {
                if (!await PassChunkAsync(packet, index, publish.Payload, connection))
                {
                    continue;
                }
            }

            await connection.Agent.WriteAsync(packet);
        }
    }

    /// <summary>Holds, damages or loses a chunk as the test said; false when it is lost.</summary>
    private async Task<bool> PassChunkAsync(byte[] packet, int index, Range payload, LinkConnection connection)
    {
        Task released;
        lock (_lock)
        {
            released = _delivered.Count >= _holdAt ? _released.Task : Task.CompletedTask;
            if (_delivered.Count >= _holdAt)
            {
                _held.TrySetResult();
            }
        }

        if (await Task.WhenAny(released, connection.Closed) != released)
        {
            throw new IOException("The connection was dropped with the chunk held.");
        }

        lock (_lock)
        {
            if (_damage is { } damage && damage.Index == index)
            {
                (_damage, _chunksDamaged) = (null, _chunksDamaged + 1);
                if (damage.Lose)
                {
                    return false;
                }

                var (start, length) = payload.GetOffsetAndLength(packet.Length);
                packet[start + (length / 2)] ^= 0xFF;
            }

            _delivered.Add(index);
            return true;
        }
    }
}

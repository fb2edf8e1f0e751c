using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IotAi.Gateway.Mqtt.Limits;
using MQTTnet.Channel;
using MQTTnet.Formatter;

namespace IotAi.Gateway.Mqtt.Tests.Limits;

public sealed class PacketSizeGuardTests
{
    [Fact]
    public async Task Packets_within_the_limit_pass_through_whole()
    {
        // A PINGREQ, then a PUBLISH of 4 body bytes: 6 bytes in all against a limit of 6.
        var client = new ScriptedClient([0xC0, 0x00], [0x30, 0x04, 0x00, 0x01, (byte)'t', (byte)'x']);
        var watcher = new RecordingWatcher(MqttProtocolVersion.V311);
        var guard = new PacketSizeGuard(client, maxPacketBytes: 6, watcher);

        var read = await ReadAllAsync(guard);

        Assert.Equal(8, read);
        Assert.Null(watcher.Declared);
        Assert.Equal((1, 2), (watcher.Connects, watcher.Packets));
    }

    [Fact]
    public async Task A_header_declaring_too_much_ends_the_connection_and_an_mqtt5_client_is_told_packet_too_large()
    {
        // 0x80 0x80 0x01: a remaining length of 16384, split across reads the way MQTTnet asks for it.
        var client = new ScriptedClient([0x30, 0x80], [0x80], [0x01], [0x00]);
        var watcher = new RecordingWatcher(MqttProtocolVersion.V500);
        var guard = new PacketSizeGuard(client, maxPacketBytes: 1024, watcher);

        var read = await ReadAllAsync(guard);

        Assert.Equal(3, read);
        Assert.Equal(1 + 3 + 16384, watcher.Declared);
        Assert.Equal((byte)0xE0, client.Written[0]);
        Assert.Equal((byte)0x95, client.Written[2]);
    }

    [Fact]
    public async Task An_mqtt311_client_over_the_limit_is_closed_without_a_word()
    {
        var client = new ScriptedClient([0x30, 0xFF, 0xFF, 0xFF, 0x7F]);
        var watcher = new RecordingWatcher(MqttProtocolVersion.V311);
        var guard = new PacketSizeGuard(client, maxPacketBytes: 1024, watcher);

        Assert.Equal(0, await ReadAllAsync(guard));
        Assert.Empty(client.Written);
        Assert.Equal(1 + 4 + 268_435_455, watcher.Declared);
    }

    private static async Task<int> ReadAllAsync(PacketSizeGuard guard)
    {
        var buffer = new byte[64];
        var total = 0;
        int read;
        while ((read = await guard.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>What the guard reports of its connection, recorded.</summary>
    private sealed class RecordingWatcher(MqttProtocolVersion version) : IGuardWatcher
    {
        public long? Declared { get; private set; }

        public int Connects { get; private set; }

        public int Packets { get; private set; }

        public MqttProtocolVersion ProtocolVersion => version;

        public void PacketTooLarge(long declared) => Declared = declared;

        public void AliasRefused(int alias) => Assert.Fail($"no alias was sent, yet {alias} was refused");

        public void ExpiryRefused() => Assert.Fail("no DISCONNECT was sent, yet one was refused");

        public void ConnectRead() => Connects++;

        public void PacketRead() => Packets++;
    }

    /// <summary>A client whose bytes arrive in the reads given, and which records what the broker writes to it.</summary>
    private sealed class ScriptedClient(params byte[][] reads) : IMqttChannel
    {
        private readonly Queue<byte[]> _reads = new(reads);

        public List<byte> Written { get; } = [];

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (!_reads.TryDequeue(out var next))
            {
                return Task.FromResult(0);
            }

            next.CopyTo(buffer, offset);
            return Task.FromResult(next.Length);
        }

        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            Written.AddRange(buffer.ToArray());
            return Task.CompletedTask;
        }

        public void Dispose()
        {
        }
    }
}

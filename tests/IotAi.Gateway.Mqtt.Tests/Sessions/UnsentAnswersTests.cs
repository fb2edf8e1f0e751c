using System.Threading.Channels;
using IotAi.Gateway.Mqtt.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests.Sessions;

/// <summary>
/// A PUBLISH the gateway may not send a client is answered towards MQTTnet's session as the client would have
/// answered it, so the session forgets it instead of keeping it and sending it again at every reconnect.
/// </summary>
public sealed class UnsentAnswersTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private readonly FakeConnection _connection = new();
    private ServiceProvider _services = null!;
    private ClientTermsAdapter _adapter = null!;

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddLogging().AddGatewayMqtt().BuildServiceProvider();
        _adapter = new ClientTermsAdapter(_connection, new NoWire(), _services.GetRequiredService<ClientTerms>());
        // A client that takes packets of 100 bytes at most.
        _connection.FromClient.Writer.TryWrite(new MqttConnectPacket { ClientId = "small", MaximumPacketSize = 100 });
        Assert.IsType<MqttConnectPacket>(await _adapter.ReceivePacketAsync(CancellationToken.None).WaitAsync(Bound));
        await _adapter.SendPacketAsync(new MqttConnAckPacket { ReasonCode = MqttConnectReasonCode.Success }, CancellationToken.None);
    }

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    public void Dispose() => _adapter.Dispose();

    [Fact]
    public async Task A_qos_1_publish_too_large_for_the_client_is_acknowledged_for_it()
    {
        await _adapter.SendPacketAsync(TooLarge(7, MqttQualityOfServiceLevel.AtLeastOnce), CancellationToken.None);

        Assert.DoesNotContain(_connection.ToClient, p => p is MqttPublishPacket);
        var answer = Assert.IsType<MqttPubAckPacket>(await _adapter.ReceivePacketAsync(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(7, answer.PacketIdentifier);
    }

    [Fact]
    public async Task A_qos_2_publish_too_large_for_the_client_is_received_released_and_completed_for_it()
    {
        await _adapter.SendPacketAsync(TooLarge(9, MqttQualityOfServiceLevel.ExactlyOnce), CancellationToken.None);
        var received = Assert.IsType<MqttPubRecPacket>(await _adapter.ReceivePacketAsync(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(9, received.PacketIdentifier);

        // The session releases it; the client never saw it, so the release goes no further, and is completed.
        await _adapter.SendPacketAsync(new MqttPubRelPacket { PacketIdentifier = 9 }, CancellationToken.None);
        await _adapter.SendPacketAsync(new MqttPubRelPacket { PacketIdentifier = 10 }, CancellationToken.None);

        var completed = Assert.IsType<MqttPubCompPacket>(await _adapter.ReceivePacketAsync(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(9, completed.PacketIdentifier);
        Assert.Equal([10], _connection.ToClient.OfType<MqttPubRelPacket>().Select(r => (int)r.PacketIdentifier));
        Assert.DoesNotContain(_connection.ToClient, p => p is MqttPublishPacket);
    }

    private static MqttPublishPacket TooLarge(ushort id, MqttQualityOfServiceLevel qos) => new()
    {
        Topic = "big/news",
        PacketIdentifier = id,
        QualityOfServiceLevel = qos,
        Payload = new System.Buffers.ReadOnlySequence<byte>(new byte[500]),
    };

    /// <summary>A connection whose client never disconnects.</summary>
    private sealed class NoWire : IotAi.Gateway.Mqtt.Limits.IConnectionWire
    {
        public uint? DisconnectSessionExpiry => null;

        public bool SessionEndsWithConnection
        {
            set { }
        }
    }

    /// <summary>An MQTT 5 connection whose client is played by the test.</summary>
    private sealed class FakeConnection : IMqttChannelAdapter
    {
        public Channel<MqttPacket> FromClient { get; } = Channel.CreateUnbounded<MqttPacket>();

        public LockedCollection<MqttPacket> ToClient { get; } = [];

        public MqttPacketFormatterAdapter PacketFormatterAdapter { get; } = new(MqttProtocolVersion.V500, new MqttBufferWriter(256, 4096));

        public long BytesReceived => 0;

        public long BytesSent => 0;

        public System.Security.Cryptography.X509Certificates.X509Certificate2 ClientCertificate => null!;

        public System.Net.EndPoint RemoteEndPoint => new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1);

        public System.Net.EndPoint LocalEndPoint => new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 2);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken) => FromClient.Reader.ReadAsync(cancellationToken).AsTask();

        public void ResetStatistics()
        {
        }

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
        {
            ToClient.Add(packet);
            return Task.CompletedTask;
        }

        public void Dispose()
        {
        }
    }
}

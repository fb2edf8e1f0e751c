using System.Net;
using System.Net.Sockets;
using IotAi.Bench.Transports;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Bench.Tests;

/// <summary>
/// The transport figure compares brokers that do the same work on either transport: acknowledge each publish and drop
/// it, as the silo takes a device's reading off MQTTnet. A broker that routed publishes would measure MQTTnet's dispatch.
/// </summary>
public sealed class BareBrokerTests
{
    [Theory]
    [InlineData(BrokerTransport.Tcp)]
    [InlineData(BrokerTransport.Kestrel)]
    public async Task A_publish_is_acknowledged_and_reaches_no_subscriber(BrokerTransport transport)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var cancellationToken = timeout.Token;
        var port = FreePort();
        await using var broker = await BareBroker.StartAsync(transport, port, cancellationToken);
        var factory = new MqttClientFactory();
        using var subscriber = factory.CreateMqttClient();
        using var publisher = factory.CreateMqttClient();
        var delivered = 0;
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref delivered);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Options(port, "subscriber"), cancellationToken);
        await subscriber.SubscribeAsync("devices/#", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
        await publisher.ConnectAsync(Options(port, "publisher"), cancellationToken);

        var results = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 3; i++)
        {
            var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("devices/d1/up/telemetry").WithPayload(new byte[256])
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            results.Add(result.ReasonCode);
        }

        // A round trip through the subscriber's own connection after the publishes: anything routed to it would be ahead of this.
        await subscriber.PingAsync(cancellationToken);
        Assert.All(results, static code => Assert.Equal(MqttClientPublishReasonCode.Success, code));
        Assert.Equal(0, Volatile.Read(ref delivered));
    }

    [Fact]
    public void The_counters_cross_between_processes_as_one_line_and_a_broken_line_is_refused()
    {
        var before = new BrokerStats(1_000, 7, 3, 1, TimeSpan.FromSeconds(2.5));
        var after = BrokerStats.Parse(new BrokerStats(123_456_789_012, 9, 3, 1, TimeSpan.FromSeconds(4)).ToLine());

        Assert.Equal(new BrokerStats(123_456_788_012, 2, 0, 0, TimeSpan.FromSeconds(1.5)), after - before);
        Assert.Throws<FormatException>(static () => BrokerStats.Parse("1 2 3"));
    }

    private static MqttClientOptions Options(int port, string clientId) =>
        new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using IotAi.Gateway.Mqtt.External;
using MQTTnet;

namespace IotAi.Gateway.Mqtt.Tests;

public sealed class ExternalClientOptionsTests
{
    [Fact]
    public void The_attachment_to_the_users_broker_takes_a_full_window_of_uplinks_into_its_socket()
    {
        // At MQTTnet's default of 8 KiB a buffer the broker filled the silo's receive window faster than it drained under
        // load, and the connection stalled in zero-window probes for seconds at a time (measure 2b answered nothing).
        var broker = new ExternalBrokerOptions { Host = "broker", MaxInFlight = 256 };

        var options = UplinkSession.ClientOptions(broker, "iotai-silo-0", password: null);

        var tcp = Assert.IsType<MqttClientTcpOptions>(options.ChannelOptions);
        Assert.True(tcp.BufferSize >= broker.MaxInFlight * 1024, $"socket buffers of {tcp.BufferSize} B for {broker.MaxInFlight} uplinks in flight");
    }

    [Fact]
    public void The_attachment_keeps_its_session_and_announces_its_receive_maximum()
    {
        var broker = new ExternalBrokerOptions { Host = "broker", MaxInFlight = 64, Username = "iotai" };

        var options = UplinkSession.ClientOptions(broker, "iotai-silo-0", "secret");

        Assert.False(options.CleanSession);
        Assert.Equal(64, options.ReceiveMaximum);
        Assert.Equal("iotai", options.Credentials.GetUserName(options));
    }
}

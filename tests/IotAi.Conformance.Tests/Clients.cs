using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>MQTTnet clients as a third-party service would use them, recording what they receive.</summary>
internal static class Clients
{
    /// <summary>An MQTT 5 client; <paramref name="configure"/> sets what it announces.</summary>
    public static Task<(IMqttClient Client, MqttClientConnectResult Connected)> ConnectAsync(
        int port, string clientId, Action<MqttClientOptionsBuilder>? configure = null, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        ConnectAsync(new MqttClientFactory().CreateMqttClient(), port, clientId, configure, version);

    /// <summary>As above, recording from before the CONNECT: a resumed session's queued messages follow the CONNACK at once.</summary>
    public static async Task<(IMqttClient Client, MqttClientConnectResult Connected, LockedCollection<MqttApplicationMessage> Received)> ConnectRecordingAsync(
        int port, string clientId, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var received = Record(client);
        var (_, connected) = await ConnectAsync(client, port, clientId, configure, MqttProtocolVersion.V500);
        return (client, connected, received);
    }

    private static async Task<(IMqttClient Client, MqttClientConnectResult Connected)> ConnectAsync(
        IMqttClient client, int port, string clientId, Action<MqttClientOptionsBuilder>? configure, MqttProtocolVersion version)
    {
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(version).WithTimeout(TimeSpan.FromSeconds(10));
        configure?.Invoke(options);
        var connected = await client.ConnectAsync(options.Build());
        return (client, connected);
    }

    /// <summary>Collects every message the client receives, in order; acknowledging each at once unless <paramref name="held"/> takes them.</summary>
    public static LockedCollection<MqttApplicationMessage> Record(IMqttClient client, LockedCollection<MqttApplicationMessageReceivedEventArgs>? held = null)
    {
        var received = new LockedCollection<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (held is not null)
            {
                e.AutoAcknowledge = false;
                held.Add(e);
            }

            received.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        return received;
    }

    public static Task SubscribeAsync(IMqttClient client, string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());

    public static Task PublishAsync(IMqttClient client, string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, uint expiry = 0) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithMessageExpiryInterval(expiry).Build());

    /// <summary>Publishes at QoS 1 and says whether the broker found no subscriber (MQTT 5 PUBACK 0x10).</summary>
    public static async Task<bool> NobodySubscribedAsync(IMqttClient client, string topic) =>
        (await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("probe").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()))
            .ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers;

    public static string Text(MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload);

    /// <summary>
    /// A client id of the case's own, which is no device id ('~' is no device id character): with authentication off the
    /// gateway holds a client whose id is a device id to that device's topics.
    /// </summary>
    public static string Id(string role) => $"conformance~{role}~{Guid.NewGuid():N}";

    /// <summary>A topic of the case's own, so cases on one broker never see each other's messages.</summary>
    public static string Topic(string name) => $"conformance/{name}/{Guid.NewGuid():N}";
}

using MQTTnet.Formatter;

namespace IotAi.Conformance.Tests;

/// <summary>Empty client ids (MQTT 3.1.1, 3.1.3.1; MQTT 5, 3.1.3.1): the server assigns one where the standard lets it.</summary>
[Collection(BrokersGroup.Name)]
public sealed class ClientIdTests(Brokers brokers)
{
    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_3_1_1_client_with_an_empty_id_and_a_clean_session_is_given_one(string broker)
    {
        var topic = Clients.Topic("empty-id");
        var (client, connected) = await Clients.ConnectAsync(brokers.Port(broker), "", o => o.WithCleanSession(true), MqttProtocolVersion.V311);
        using var _c = client;
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, connected.ResultCode);

        var received = Clients.Record(client);
        await Clients.SubscribeAsync(client, topic);
        await Clients.PublishAsync(client, topic, "echo");

        await Eventually.TrueAsync(() => Task.FromResult(received.Count == 1), $"{broker}: the client with an assigned id did not get its own message", 30);
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_3_1_1_client_with_an_empty_id_that_asks_to_keep_its_session_is_refused(string broker)
    {
        await using var client = await RawMqttClient.ConnectAsync(brokers.Port(broker), "", cleanStart: false, level: 4);

        // 0x02: identifier rejected (MQTT-3.1.3-8).
        Assert.True(client.ConnAckReason == 0x02, $"{broker}: CONNACK return code {client.ConnAckReason}");
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task An_mqtt_5_client_with_an_empty_id_is_told_the_id_it_was_given(string broker)
    {
        var (client, connected) = await Clients.ConnectAsync(brokers.Port(broker), "");
        using var _c = client;

        Assert.False(string.IsNullOrEmpty(connected.AssignedClientIdentifier), $"{broker}: no assigned client id in CONNACK");
    }
}

using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>Topic aliases a client sends (MQTT 5, 3.3.2.3.4): within the maximum CONNACK announced they work; 0 or above it end the connection with 0x94.</summary>
[Collection(BrokersGroup.Name)]
public sealed class TopicAliasTests(Brokers brokers)
{
    private const byte TopicAliasMaximum = 0x22;

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task Aliases_within_the_announced_maximum_stand_for_their_topic(string broker)
    {
        var topic = Clients.Topic("alias");
        var (subscriber, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("sub"));
        using var _s = subscriber;
        var received = Clients.Record(subscriber);
        await Clients.SubscribeAsync(subscriber, topic, MqttQualityOfServiceLevel.AtMostOnce);
        await using var client = await RawMqttClient.ConnectAsync(brokers.Port(broker), Clients.Id("raw"));
        var maximum = client.ConnAckProperties[TopicAliasMaximum];
        Assert.Equal(10u, maximum);

        await client.PublishAsync(topic, "named", alias: (ushort)maximum);
        await client.PublishAsync("", "aliased", alias: (ushort)maximum);

        await Eventually.TrueAsync(() => Task.FromResult(received.Count == 2), $"{broker}: the aliased publish did not arrive", 30);
        Assert.All(received, m => Assert.Equal(topic, m.Topic));
    }

    /// <remarks>Mosquitto 2.0 calls an alias of 0 a malformed packet (0x81); the gateway answers 0x94 to both, as the issue of a bad alias is the same.</remarks>
    [Theory]
    [InlineData(Brokers.Gateway, 11, MqttDisconnectReasonCode.TopicAliasInvalid)]
    [InlineData(Brokers.Mosquitto, 11, MqttDisconnectReasonCode.TopicAliasInvalid)]
    [InlineData(Brokers.Gateway, 0, MqttDisconnectReasonCode.TopicAliasInvalid)]
    [InlineData(Brokers.Mosquitto, 0, MqttDisconnectReasonCode.MalformedPacket)]
    public async Task An_alias_of_0_or_above_the_maximum_ends_the_connection(string broker, int alias, MqttDisconnectReasonCode expected)
    {
        await using var client = await RawMqttClient.ConnectAsync(brokers.Port(broker), Clients.Id("raw"));

        await client.PublishAsync(Clients.Topic("bad-alias"), "x", alias: (ushort)alias);

        var reason = await client.DisconnectReasonAsync();
        Assert.True(reason == (byte)expected, $"{broker}: the connection ended with {reason?.ToString("X2") ?? "no DISCONNECT"}");
    }
}

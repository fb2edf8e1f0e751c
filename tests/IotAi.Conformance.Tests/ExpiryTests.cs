using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>Message Expiry Interval (MQTT 5, 3.3.2.3.3) and Session Expiry Interval (3.1.2.11.2, 3.14.2.2.2), on the gateway and on Mosquitto.</summary>
[Collection(BrokersGroup.Name)]
public sealed class ExpiryTests(Brokers brokers)
{
    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_message_queued_for_an_offline_session_expires_and_one_forwarded_carries_the_time_it_has_left(string broker)
    {
        var topic = Clients.Topic("message-expiry");
        var id = Clients.Id("offline");
        var (subscriber, _) = await Clients.ConnectAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(300));
        await Clients.SubscribeAsync(subscriber, topic);
        await subscriber.DisconnectAsync();
        subscriber.Dispose();

        var (publisher, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("pub"));
        using var _p = publisher;
        await Clients.PublishAsync(publisher, topic, "short", expiry: 1);
        await Clients.PublishAsync(publisher, topic, "long", expiry: 120);
        await Clients.PublishAsync(publisher, topic, "forever");
        // What is tested is time passing: the short message's second, and one more, so "long" has visibly aged.
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var (back, connected, received) = await Clients.ConnectRecordingAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(300).WithCleanStart(false));
        using var _b = back;
        Assert.True(connected.IsSessionPresent, $"{broker}: the session was not kept");
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => Clients.Text(m) == "forever")), $"{broker}: the queued messages never came", 30);

        Assert.Equal(["long", "forever"], received.Select(Clients.Text));
        var aged = received.First();
        Assert.InRange(aged.MessageExpiryInterval, 1u, 118u);
        Assert.Equal(0u, received.Last().MessageExpiryInterval);
        Assert.DoesNotContain(received.SelectMany(m => m.UserProperties ?? []), p => p.Name.StartsWith('$'));
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_session_expiry_interval_sent_on_disconnect_replaces_the_one_given_at_connect(string broker)
    {
        var shortened = Clients.Id("shortened");
        var kept = Clients.Id("kept");
        foreach (var id in new[] { shortened, kept })
        {
            var (client, _) = await Clients.ConnectAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(300));
            await Clients.SubscribeAsync(client, Clients.Topic("session-expiry"));
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(id == shortened ? 1u : 0u).Build());
            client.Dispose();
        }

        // The shortened session's second passes, and the broker's expiry sweep (each second on both) runs.
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.False(await SessionPresentAsync(broker, shortened), $"{broker}: the session outlived the 1 s its DISCONNECT gave it");
        Assert.True(await SessionPresentAsync(broker, kept), $"{broker}: a DISCONNECT without an interval (0 in MQTTnet) ended a 300 s session");
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_client_that_connected_with_no_session_expiry_may_not_set_one_on_disconnect(string broker)
    {
        await using var client = await RawMqttClient.ConnectAsync(brokers.Port(broker), Clients.Id("raw"), sessionExpiry: 0);
        Assert.Equal(0, client.ConnAckReason);

        await client.DisconnectAsync(sessionExpiry: 60);

        Assert.Equal((byte)MqttDisconnectReasonCode.ProtocolError, await client.DisconnectReasonAsync());
    }

    private async Task<bool> SessionPresentAsync(string broker, string id)
    {
        var (client, connected) = await Clients.ConnectAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(300).WithCleanStart(false));
        using (client)
        {
            await client.DisconnectAsync();
        }

        return connected.IsSessionPresent;
    }
}

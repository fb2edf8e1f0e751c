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
        // A retained message that expires 2 s after the others were queued: once no new subscriber gets it, "short"
        // has expired too and "long" has aged at least 2 s.
        var probe = await RetainedProbe.PublishAsync(publisher, $"{topic}/probe", expiry: 2);
        await Eventually.TrueAsync(() => probe.GoneAsync(brokers.Port(broker)), $"{broker}: the retained probe never expired", 30);

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
        var topics = new Dictionary<string, string> { [shortened] = Clients.Topic("session-expiry"), [kept] = Clients.Topic("session-expiry") };
        foreach (var id in new[] { shortened, kept })
        {
            var (client, _) = await Clients.ConnectAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(300));
            await Clients.SubscribeAsync(client, topics[id]);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(id == shortened ? 1u : 0u).Build());
            client.Dispose();
        }

        // A session that is gone takes its subscription with it: a publish on its topic then finds no subscriber
        // (PUBACK 0x10), which tells without reconnecting, as a reconnect would resume the session.
        var (publisher, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("pub"));
        using (publisher)
        {
            await Eventually.TrueAsync(async () => await Clients.NobodySubscribedAsync(publisher, topics[shortened]), $"{broker}: the session outlived the 1 s its DISCONNECT gave it", 30);
        }

        Assert.False(await SessionPresentAsync(broker, shortened), $"{broker}: the session outlived the 1 s its DISCONNECT gave it");
        Assert.True(await SessionPresentAsync(broker, kept), $"{broker}: a DISCONNECT without an interval (0 in MQTTnet) ended a 300 s session");
    }

    /// <remarks>
    /// A fleet that restarts reconnects each device the moment its old connection closed, so the new connection's events
    /// and the old one's end can come in either order; the old one's expiry must never end the new one's session.
    /// </remarks>
    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_client_that_reconnects_at_once_keeps_its_session_past_the_old_connections_expiry(string broker)
    {
        var clients = new List<(string Topic, IMqttClient Client, LockedCollection<MqttApplicationMessage> Received)>();
        for (var i = 0; i < 20; i++)
        {
            var (id, topic) = (Clients.Id("restart"), Clients.Topic("restart"));
            var (first, _) = await Clients.ConnectAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(1));
            await Clients.SubscribeAsync(first, topic);
            await first.DisconnectAsync();
            first.Dispose();
            var (again, connected, received) = await Clients.ConnectRecordingAsync(brokers.Port(broker), id, o => o.WithSessionExpiryInterval(1).WithCleanStart(false));
            clients.Add((topic, again, received));
        }

        try
        {
            // Past the old connections' second, and a sweep after it.
            var (publisher, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("pub"));
            using var _p = publisher;
            var probe = await RetainedProbe.PublishAsync(publisher, Clients.Topic("restart-probe"), expiry: 3);
            await Eventually.TrueAsync(() => probe.GoneAsync(brokers.Port(broker)), $"{broker}: the retained probe never expired", 30);

            foreach (var (topic, _, _) in clients)
            {
                await Clients.PublishAsync(publisher, topic, "still here");
            }

            await Eventually.TrueAsync(() => Task.FromResult(clients.All(c => c.Received.Count == 1)),
                () => $"{broker}: {clients.Count(c => !c.Client.IsConnected)} of 20 reconnected clients lost their connection, {clients.Count(c => c.Received.Count == 0)} their subscription", 30);
        }
        finally
        {
            clients.ForEach(c => c.Client.Dispose());
        }
    }

    /// <remarks>MQTTnet decodes an interval of 0 as none: the gateway reads this one from the packet's bytes.</remarks>
    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_session_expiry_of_0_sent_on_disconnect_ends_the_session_now(string broker)
    {
        var topic = Clients.Topic("session-ends-now");
        await using (var client = await RawMqttClient.ConnectAsync(brokers.Port(broker), Clients.Id("raw"), sessionExpiry: 300))
        {
            Assert.True(await client.SubscribeAsync(topic) <= 1, $"{broker}: the subscription was refused");
            await client.DisconnectAsync(sessionExpiry: 0);
        }

        var (publisher, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("pub"));
        using (publisher)
        {
            await Eventually.TrueAsync(async () => await Clients.NobodySubscribedAsync(publisher, topic), $"{broker}: the session outlived a DISCONNECT that gave it 0 s", 30);
        }
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

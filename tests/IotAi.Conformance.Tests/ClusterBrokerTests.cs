using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>
/// Three silos act as one broker for services and observers: a publish on any silo reaches the subscribers on every
/// silo, at the QoS each asked for and in order per publisher; a shared subscription's members may sit on different
/// silos; a retained message is kept on every silo.
/// </summary>
[Collection(ThreeSilosGroup.Name)]
public sealed class ClusterBrokerTests(ThreeSilos silos)
{
    private const int PerPublisher = 100;

    [Fact]
    public async Task A_publish_on_any_silo_reaches_subscribers_on_every_silo_in_order_at_their_qos()
    {
        var topic = Clients.Topic("cluster");
        var subscribers = new List<(IMqttClient Client, LockedCollection<MqttApplicationMessage> Received, MqttQualityOfServiceLevel Qos)>();
        foreach (var (silo, qos) in new[] { (0, MqttQualityOfServiceLevel.ExactlyOnce), (1, MqttQualityOfServiceLevel.AtLeastOnce), (2, MqttQualityOfServiceLevel.AtMostOnce) })
        {
            var (client, _) = await Clients.ConnectAsync(silos.Port(silo), Clients.Id($"sub{silo}"));
            var received = Clients.Record(client);
            await Clients.SubscribeAsync(client, topic, qos);
            subscribers.Add((client, received, qos));
        }

        // Two publishers on different silos at once, each numbering its own messages.
        var (east, _) = await Clients.ConnectAsync(silos.Port(0), Clients.Id("east"));
        var (west, _) = await Clients.ConnectAsync(silos.Port(2), Clients.Id("west"));
        using var _e = east;
        using var _w = west;
        await Task.WhenAll(PublishAsync(east, topic, "east"), PublishAsync(west, topic, "west"));

        await Eventually.TrueAsync(() => Task.FromResult(subscribers.All(s => s.Received.Count == 2 * PerPublisher)),
            () => $"the subscribers got {string.Join(", ", subscribers.Select(s => s.Received.Count))} of {2 * PerPublisher}", 60);
        foreach (var (client, received, qos) in subscribers)
        {
            using var _ = client;
            var messages = received.Snapshot();
            foreach (var publisher in new[] { "east", "west" })
            {
                Assert.Equal(Numbered(publisher), messages.Select(Clients.Text).Where(t => t.StartsWith(publisher, StringComparison.Ordinal)));
            }

            // At the lower of the publish's QoS (1) and the subscription's.
            Assert.All(messages, m => Assert.Equal(qos < MqttQualityOfServiceLevel.AtLeastOnce ? qos : MqttQualityOfServiceLevel.AtLeastOnce, m.QualityOfServiceLevel));
        }
    }

    [Fact]
    public async Task A_shared_group_with_members_on_two_silos_gets_each_message_once_and_one_member_takes_over_when_the_other_leaves()
    {
        var topic = Clients.Topic("cluster-shared");
        var received = new List<LockedCollection<MqttApplicationMessage>>();
        var members = new List<IMqttClient>();
        foreach (var silo in new[] { 1, 2 })
        {
            // A session that outlives the connection: the member leaves by disconnecting, while its session stays.
            var (member, _) = await Clients.ConnectAsync(silos.Port(silo), Clients.Id($"member{silo}"), o => o.WithSessionExpiryInterval(300));
            received.Add(Clients.Record(member));
            await Clients.SubscribeAsync(member, $"$share/pool/{topic}");
            members.Add(member);
        }

        using var _m1 = members[0];
        var (publisher, _) = await Clients.ConnectAsync(silos.Port(0), Clients.Id("pub"));
        using var _p = publisher;
        await Eventually.TrueAsync(() => Task.FromResult(silos.Broker(0).SharedMembers("pool", topic) == 2), "the publisher's silo did not learn of both members", 30);

        await PublishAsync(publisher, topic, "shared");
        await Eventually.TrueAsync(() => Task.FromResult(received.Sum(static r => r.Count) == PerPublisher), () => $"the members got {received[0].Count} and {received[1].Count} of {PerPublisher}", 60);
        Assert.Equal(Numbered("shared").Order(StringComparer.Ordinal), received.SelectMany(static r => r.Snapshot()).Select(Clients.Text).Order(StringComparer.Ordinal));
        Assert.All(received, static r => Assert.NotEmpty(r));

        // The member on silo 2 leaves: once the publisher's silo knows, everything goes to the one on silo 1.
        await members[1].DisconnectAsync();
        members[1].Dispose();
        await Eventually.TrueAsync(() => Task.FromResult(silos.Broker(0).SharedMembers("pool", topic) == 1), "the publisher's silo still counts the member that left", 30);
        var before = received[0].Count;
        await PublishAsync(publisher, topic, "after");
        await Eventually.TrueAsync(() => Task.FromResult(received[0].Count == before + PerPublisher), () => $"the member that stayed got {received[0].Count - before} of {PerPublisher}", 60);
    }

    [Fact]
    public async Task A_retained_message_published_on_one_silo_is_delivered_by_the_others()
    {
        var topic = Clients.Topic("cluster-retained");
        var (publisher, _) = await Clients.ConnectAsync(silos.Port(0), Clients.Id("retainer"));
        using var _p = publisher;
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("kept").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        foreach (var silo in new[] { 1, 2 })
        {
            await Eventually.TrueAsync(async () => await RetainedAsync(silo, topic) == "kept", $"silo {silo} never delivered the retained message", 30);
        }

        // Cleared on one silo, cleared on all.
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload([]).WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        foreach (var silo in new[] { 1, 2 })
        {
            await Eventually.TrueAsync(async () => await RetainedAsync(silo, topic) is null, $"silo {silo} still delivers the cleared retained message", 30);
        }
    }

    [Fact]
    public async Task A_silo_that_joins_later_delivers_the_retained_messages_kept_before_it_came()
    {
        var topic = Clients.Topic("cluster-retained-joiner");
        var (publisher, _) = await Clients.ConnectAsync(silos.Port(1), Clients.Id("retainer"));
        using (publisher)
        {
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("from before").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        var joiner = await silos.StartAnotherAsync();
        try
        {
            Assert.Equal("from before", await RetainedAtAsync(InProcessSilos.MqttPort(joiner), topic));
        }
        finally
        {
            await silos.StopAsync(joiner);
        }
    }

    /// <remarks>
    /// Two silos' retained publishes on one topic reach a third in whatever order the network gives; the store numbers
    /// them, and a silo keeps one only if it is newer than the one it holds. Here a late copy of an older write is handed
    /// to a silo directly, as a reordering would hand it.
    /// </remarks>
    [Fact]
    public async Task A_retained_message_older_than_the_one_a_silo_holds_is_routed_live_but_not_kept()
    {
        var topic = Clients.Topic("cluster-retained-order");
        var store = silos.Grains.GetGrain<IotAi.Grains.Broker.IRetainedMessagesGrain>(IotAi.Grains.Broker.IRetainedMessagesGrain.Key);
        var (publisher, _) = await Clients.ConnectAsync(silos.Port(0), Clients.Id("retainer"));
        using var _p = publisher;
        await RetainAsync(publisher, topic, "older");
        var older = (await store.ListAsync()).Single(m => m.Message.Topic == topic).Message;
        await RetainAsync(publisher, topic, "newer");
        await Eventually.TrueAsync(async () => await RetainedAsync(1, topic) == "newer", "silo 1 never held the newer retained message", 30);
        var (watcher, _) = await Clients.ConnectAsync(silos.Port(1), Clients.Id("watcher"));
        using var _w = watcher;
        var live = Clients.Record(watcher);
        await Clients.SubscribeAsync(watcher, topic);
        await Eventually.TrueAsync(() => Task.FromResult(live.Count == 1), "the watcher did not get the retained message on subscribing", 10);

        await ((IotAi.Grains.Broker.IBrokerPeer)silos.Broker(1)).DeliverAsync([older]);

        await Eventually.TrueAsync(() => Task.FromResult(live.Count == 2), "the late copy was not routed to the live subscriber", 10);
        Assert.Equal(["newer", "older"], live.Select(Clients.Text));
        Assert.Equal("newer", await RetainedAsync(1, topic));
    }

    private static Task<MqttClientPublishResult> RetainAsync(IMqttClient publisher, string topic, string text) =>
        publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(text).WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private Task<string?> RetainedAsync(int silo, string topic) => RetainedAtAsync(silos.Port(silo), topic);

    /// <summary>The retained message a new subscriber on the silo at <paramref name="port"/> gets, or null; a marker retained after it says when to stop waiting.</summary>
    private static async Task<string?> RetainedAtAsync(int port, string topic)
    {
        var marker = $"{topic}/marker-{Guid.NewGuid():N}";
        var (publisher, _) = await Clients.ConnectAsync(port, Clients.Id("marker"));
        using var _p = publisher;
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(marker).WithPayload("marker").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var (client, _) = await Clients.ConnectAsync(port, Clients.Id("late"));
        using var _c = client;
        var received = Clients.Record(client);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic).WithTopicFilter(marker).Build());
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => m.Topic == marker)), "the marker never came", 10);
        return received.Where(m => m.Topic == topic).Select(Clients.Text).FirstOrDefault();
    }

    private static IEnumerable<string> Numbered(string publisher) =>
        Enumerable.Range(0, PerPublisher).Select(i => $"{publisher}-{i.ToString("D3", CultureInfo.InvariantCulture)}");

    private static async Task PublishAsync(IMqttClient publisher, string topic, string name)
    {
        foreach (var text in Numbered(name))
        {
            await Clients.PublishAsync(publisher, topic, text);
        }
    }
}

using IotAi.Gateway.Mqtt.Cluster;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>
/// Shared subscriptions (MQTT 5, 4.8.2): each message to a <c>$share/{group}/{filter}</c> goes to one member of the group,
/// and the others take over a member's share when it leaves; on a single silo here, and on Mosquitto.
/// </summary>
[Collection(BrokersGroup.Name)]
public sealed class SharedSubscriptionTests(Brokers brokers)
{
    private const int Messages = 20;

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task The_server_says_in_connack_that_it_takes_shared_subscriptions(string broker)
    {
        var (client, connected) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("connack"));
        using var _ = client;

        Assert.True(connected.SharedSubscriptionAvailable, $"{broker}: CONNACK says shared subscriptions are not available");
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task Each_message_goes_to_one_member_at_the_qos_it_asked_for_and_an_ordinary_subscriber_gets_all(string broker)
    {
        var topic = Clients.Topic("shared");
        await using var group = await Group.StartAsync(brokers.Port(broker), "workers", topic);
        var (ordinary, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("ordinary"));
        using var _o = ordinary;
        var all = Clients.Record(ordinary);
        await Clients.SubscribeAsync(ordinary, topic);

        await group.PublishAsync(0, Messages);
        await Eventually.TrueAsync(() => Task.FromResult(group.Total == Messages && all.Count == Messages), () => $"{broker}: the members got {group.Total} and the ordinary subscriber {all.Count} of {Messages}", 30);

        var (atMostOnce, atLeastOnce) = (group.Received(0), group.Received(1));
        Assert.Equal(Enumerable.Range(0, Messages), atMostOnce.Concat(atLeastOnce).Select(int.Parse).Order());
        Assert.NotEmpty(atMostOnce);
        Assert.NotEmpty(atLeastOnce);
        Assert.All(group.Messages(0), m => Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, m.QualityOfServiceLevel));
        Assert.All(group.Messages(1), m => Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, m.QualityOfServiceLevel));
        Assert.Equal(atLeastOnce.Select(int.Parse).Order(), atLeastOnce.Select(int.Parse));
        Assert.Equal(Enumerable.Range(0, Messages).Select(static i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), all.Select(Clients.Text));
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task When_a_member_unsubscribes_the_others_take_its_share(string broker)
    {
        var topic = Clients.Topic("shared-unsubscribe");
        await using var group = await Group.StartAsync(brokers.Port(broker), "leavers", topic);

        // UNSUBACK comes once the broker has taken the member out.
        await group.Members[0].UnsubscribeAsync($"$share/leavers/{topic}");
        await group.PublishAsync(0, Messages);
        await Eventually.TrueAsync(() => Task.FromResult(group.Received(1).Count == Messages), () => $"{broker}: the member that stayed got {group.Received(1).Count} of {Messages}", 30);

        Assert.Empty(group.Received(0));
    }

    [Fact]
    public async Task When_a_member_disconnects_the_others_take_its_share()
    {
        var topic = Clients.Topic("shared-disconnect");
        // Sessions that outlive their connections: the member leaves by disconnecting, while its session stays.
        await using var group = await Group.StartAsync(brokers.Port(Brokers.Gateway), "goners", topic, o => o.WithSessionExpiryInterval(300));
        var cluster = brokers.Silo.Services.GetRequiredService<ClusterBroker>();
        Assert.Equal(2, cluster.SharedMembers("goners", topic));

        await group.Members[0].DisconnectAsync();
        await Eventually.TrueAsync(() => Task.FromResult(cluster.SharedMembers("goners", topic) == 1), "the silo still counts the member that left", 30);
        await group.PublishAsync(0, Messages);
        await Eventually.TrueAsync(() => Task.FromResult(group.Received(1).Count == Messages), () => $"the member that stayed got {group.Received(1).Count} of {Messages}", 30);
    }

    /// <remarks>Mosquitto 2.0.11 ends the connection instead, with Malformed packet (0x81); the gateway refuses the one filter.</remarks>
    [Fact]
    public async Task A_shared_filter_with_a_wildcard_in_its_group_is_refused()
    {
        var (client, _) = await Clients.ConnectAsync(brokers.Port(Brokers.Gateway), Clients.Id("bad-share"));
        using var _c = client;

        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("$share/bad+group/x", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientSubscribeResultCode.TopicFilterInvalid, result.Items.Single().ResultCode);
    }

    /// <summary>Two members of <c>$share/{name}/{topic}</c>, the first at QoS 0 and the second at QoS 1, and a publisher.</summary>
    private sealed class Group : IAsyncDisposable
    {
        private readonly List<LockedCollection<MqttApplicationMessage>> _received = [];

        private Group(string topic, IMqttClient publisher) => (Topic, Publisher) = (topic, publisher);

        public List<IMqttClient> Members { get; } = [];

        public string Topic { get; }

        public IMqttClient Publisher { get; }

        public int Total => _received.Sum(static r => r.Count);

        public static async Task<Group> StartAsync(int port, string name, string topic, Action<MqttClientOptionsBuilder>? configure = null)
        {
            var (publisher, _) = await Clients.ConnectAsync(port, Clients.Id("pub"));
            var group = new Group(topic, publisher);
            foreach (var qos in new[] { MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce })
            {
                var (member, _) = await Clients.ConnectAsync(port, Clients.Id($"member{(int)qos}"), configure);
                group._received.Add(Clients.Record(member));
                await Clients.SubscribeAsync(member, $"$share/{name}/{topic}", qos);
                group.Members.Add(member);
            }

            return group;
        }

        public List<MqttApplicationMessage> Messages(int member) => _received[member].Snapshot();

        public List<string> Received(int member) => [.. Messages(member).Select(Clients.Text)];

        public async Task PublishAsync(int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                await Clients.PublishAsync(Publisher, Topic, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        public ValueTask DisposeAsync()
        {
            foreach (var client in Members.Append(Publisher))
            {
                client.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }
}

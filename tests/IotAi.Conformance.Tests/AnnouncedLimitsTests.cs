using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>
/// The limits an MQTT 5 client announces in CONNECT bind the server for every PUBLISH it sends that client
/// (MQTT 5, 3.1.2.11): each case runs on the gateway and on Mosquitto.
/// </summary>
[Collection(BrokersGroup.Name)]
public sealed class AnnouncedLimitsTests(Brokers brokers)
{
    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task A_publish_larger_than_the_clients_maximum_packet_size_is_not_sent_to_it(string broker)
    {
        var topic = Clients.Topic("max-packet");
        var (small, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("small"), o => o.WithMaximumPacketSize(1024));
        var (large, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("large"));
        using var _s = small;
        using var _l = large;
        var toSmall = Clients.Record(small);
        var toLarge = Clients.Record(large);
        await Clients.SubscribeAsync(small, topic);
        await Clients.SubscribeAsync(large, topic);
        var (publisher, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("pub"));
        using var _p = publisher;

        await Clients.PublishAsync(publisher, topic, new string('x', 2000));
        await Clients.PublishAsync(publisher, topic, "fits");

        // The last message reaching both says the first had its chance: the client without a limit got it, the small one did not.
        await Eventually.TrueAsync(() => Task.FromResult(toSmall.Any(m => Clients.Text(m) == "fits") && toLarge.Count == 2), () => $"{broker}: the small message did not reach both clients (small got {toSmall.Count}, large {toLarge.Count})", 30);
        Assert.Equal(["fits"], toSmall.Select(Clients.Text));
        Assert.Equal(2000, toLarge.First().Payload.Length);
    }

    [Theory]
    [InlineData(Brokers.Gateway)]
    [InlineData(Brokers.Mosquitto)]
    public async Task Publishes_stop_at_the_clients_receive_maximum_until_it_acknowledges(string broker)
    {
        var (subscriber, held, received, publisher) = await WindowOfTwoAsync(broker);
        using var _s = subscriber;
        using var _p = publisher;

        Assert.Equal(2, received.Count(m => m.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce));
        await held.First().AcknowledgeAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(held.Count(e => e.ApplicationMessage.QualityOfServiceLevel > 0) >= 3), $"{broker}: an acknowledgement did not open the window", 30);
    }

    /// <remarks>
    /// Mosquitto 2.0.11 keeps the first window but, once acknowledgements start, sends what it queued without waiting
    /// for each (4 in flight against a maximum of 2 here); the gateway keeps the window throughout.
    /// </remarks>
    [Fact]
    public async Task Each_acknowledgement_opens_the_window_by_one_and_order_is_kept()
    {
        var (subscriber, held, received, publisher) = await WindowOfTwoAsync(Brokers.Gateway);
        using var _s = subscriber;
        using var _p = publisher;

        for (var acked = 0; acked < 6; acked++)
        {
            var next = acked;
            await Eventually.TrueAsync(() => Task.FromResult(held.Count(e => e.ApplicationMessage.QualityOfServiceLevel > 0) > next), $"message {next} never came", 30);
            var inFlight = held.Where(e => e.ApplicationMessage.QualityOfServiceLevel > 0).ToList();
            Assert.True(inFlight.Count - acked <= 2, $"{inFlight.Count - acked} unacknowledged publishes in flight after {acked} acknowledged, over the receive maximum of 2");
            await inFlight[acked].AcknowledgeAsync(CancellationToken.None);
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4", "m5"], received.Where(m => m.QualityOfServiceLevel > 0).Select(Clients.Text));
    }

    /// <summary>A subscriber with a receive maximum of 2 that holds its acknowledgements, six QoS 1 messages published to it, and the first two received.</summary>
    private async Task<(IMqttClient Subscriber, LockedCollection<MqttApplicationMessageReceivedEventArgs> Held, LockedCollection<MqttApplicationMessage> Received, IMqttClient Publisher)> WindowOfTwoAsync(string broker)
    {
        var topic = Clients.Topic("receive-maximum");
        var (subscriber, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("slow"), o => o.WithReceiveMaximum(2));
        var held = new LockedCollection<MqttApplicationMessageReceivedEventArgs>();
        var received = Clients.Record(subscriber, held);
        await Clients.SubscribeAsync(subscriber, topic);
        await Clients.SubscribeAsync(subscriber, $"{topic}/marker", MqttQualityOfServiceLevel.AtMostOnce);
        var (publisher, _) = await Clients.ConnectAsync(brokers.Port(broker), Clients.Id("pub"));
        for (var i = 0; i < 6; i++)
        {
            await Clients.PublishAsync(publisher, topic, $"m{i}");
        }

        await Eventually.TrueAsync(() => Task.FromResult(received.Count >= 2), $"{broker}: the first two messages never came", 30);
        // A QoS 0 message is outside the window: when it has come, the broker had its chance to overrun the window.
        await Clients.PublishAsync(publisher, $"{topic}/marker", "marker", MqttQualityOfServiceLevel.AtMostOnce);
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => Clients.Text(m) == "marker")), $"{broker}: the QoS 0 marker never came", 30);
        return (subscriber, held, received, publisher);
    }
}

using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>
/// A retained message with an expiry, and a retained marker after it without one: a new subscriber to both gets the
/// probe before the marker while it lives. It tells that an interval has passed on the broker's own clock, by what the
/// broker does, instead of by sleeping.
/// </summary>
internal sealed class RetainedProbe(string topic)
{
    public string Marker => $"{topic}/marker";

    public static async Task<RetainedProbe> PublishAsync(IMqttClient publisher, string topic, uint expiry)
    {
        var probe = new RetainedProbe(topic);
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("probe").WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(expiry).Build());
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(probe.Marker).WithPayload("marker").WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return probe;
    }

    /// <summary>Whether a new subscriber now gets the marker without the probe: the probe has expired.</summary>
    public async Task<bool> GoneAsync(int port)
    {
        var (client, _) = await Clients.ConnectAsync(port, Clients.Id("probe"));
        using (client)
        {
            var received = Clients.Record(client);
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter(Marker, MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => m.Topic == Marker)), "the retained marker never came", 10);
            var gone = received.All(m => m.Topic != topic);
            await client.DisconnectAsync();
            return gone;
        }
    }
}

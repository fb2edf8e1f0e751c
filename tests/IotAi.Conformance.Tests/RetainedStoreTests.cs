using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Conformance.Tests;

/// <summary>
/// Retained messages live on the cluster's grain storage: a silo that restarts on the same storage delivers what was
/// retained before, and the store's bound is answered with Quota exceeded (0x97).
/// </summary>
public sealed class RetainedStoreTests : IDisposable
{
    private const int MaxRetained = 3;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("iotai-retained-");
    private readonly Dictionary<string, string?> _settings = new() { ["Mqtt:Retained:MaxMessages"] = MaxRetained.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public async Task A_retained_message_outlives_a_restart_and_the_store_refuses_a_topic_past_its_bound()
    {
        var topic = Clients.Topic("retained-restart");
        await using (var silo = await GatewayHost.StartAsync(_data.FullName, _settings))
        {
            var (publisher, _) = await Clients.ConnectAsync(silo.MqttPort, Clients.Id("retainer"));
            using var _p = publisher;
            var codes = new List<MqttClientPublishReasonCode>();
            for (var i = 0; i <= MaxRetained; i++)
            {
                codes.Add((await RetainAsync(publisher, $"{topic}/{i}", $"kept {i}")).ReasonCode);
            }

            // A new value on a topic that has one is no new topic, and is taken even at the bound.
            var replaced = await RetainAsync(publisher, $"{topic}/0", "replaced");

            Assert.Equal([.. Enumerable.Repeat(MqttClientPublishReasonCode.NoMatchingSubscribers, MaxRetained), MqttClientPublishReasonCode.QuotaExceeded], codes);
            Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, replaced.ReasonCode);
        }

        await using (var restarted = await GatewayHost.StartAsync(_data.FullName, _settings))
        {
            var (subscriber, _) = await Clients.ConnectAsync(restarted.MqttPort, Clients.Id("after-restart"));
            using var _s = subscriber;
            var received = Clients.Record(subscriber);
            await Clients.SubscribeAsync(subscriber, $"{topic}/#");
            await Eventually.TrueAsync(() => Task.FromResult(received.Count == MaxRetained), () => $"the restarted silo delivered {received.Count} of {MaxRetained} retained messages", 30);

            Assert.Equal(["kept 1", "kept 2", "replaced"], received.Select(Clients.Text).Order(StringComparer.Ordinal));
        }
    }

    private static Task<MqttClientPublishResult> RetainAsync(IMqttClient publisher, string topic, string text) =>
        publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(text).WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public void Dispose() => _data.Delete(recursive: true);
}

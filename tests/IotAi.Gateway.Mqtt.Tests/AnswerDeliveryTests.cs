using System.Text;
using IotAi.Protocol;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>
/// Answers go straight into the device's session (not through the broker's routing), yet arrive exactly as the
/// broker would deliver them: only on topics the device subscribed to, at the QoS it subscribed with.
/// </summary>
[Collection(SiloGroup.Name)]
public sealed class AnswerDeliveryTests(SiloFixture silo)
{
    [Fact]
    public async Task An_answer_comes_at_the_QoS_the_device_subscribed_with()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, subscribe: false);
        await device.SubscribeAsync(DeviceTopics.DownlinkFilter(device.Id), MqttQualityOfServiceLevel.AtMostOnce);

        await device.SendTelemetryAsync(seq: 1, temperature: 45);
        var answer = await device.NextAsync();

        Assert.Equal(DeviceTopics.Result(device.Id), answer.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, answer.QualityOfServiceLevel);
    }

    [Fact]
    public async Task A_device_subscribed_to_its_errors_alone_gets_no_results()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, subscribe: false);
        await device.SubscribeAsync(DeviceTopics.Error(device.Id));

        var answered = await device.SendTelemetryAsync(seq: 1, temperature: 45);
        await UnknownKindAsync(device);
        var first = await device.NextAsync();

        // The reading was taken (its PUBACK succeeded) and answered, but its result had nowhere to go.
        Assert.True(answered.IsSuccess);
        Assert.Equal(DeviceTopics.Error(device.Id), first.Topic);
    }

    [Fact]
    public async Task After_unsubscribing_from_its_downlink_a_device_gets_no_more_results()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await device.SendTelemetryAsync(seq: 1, temperature: 45);
        Assert.Equal(1L, (await device.NextResultAsync()).Seq);

        await device.UnsubscribeAsync(DeviceTopics.DownlinkFilter(device.Id));
        await device.SubscribeAsync(DeviceTopics.Error(device.Id));
        await device.SendTelemetryAsync(seq: 2, temperature: 45);
        await UnknownKindAsync(device);

        Assert.Equal(DeviceTopics.Error(device.Id), (await device.NextAsync()).Topic);
    }

    /// <summary>A publish on an uplink topic of no known kind: the gateway answers it with an error, a signal that the messages before it are settled.</summary>
    private static async Task UnknownKindAsync(TestDevice device) =>
        await device.PublishAsync($"{DeviceTopics.Root}/{device.Id}/up/unknown-kind", Encoding.UTF8.GetBytes("{}"));
}

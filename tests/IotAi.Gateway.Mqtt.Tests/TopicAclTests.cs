using IotAi.Gateway.Mqtt.Identity;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>Which topics each role may use: devices their own only, observers nothing to publish, services nothing under devices/.</summary>
public sealed class TopicAclTests
{
    [Theory]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/up/telemetry", true)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-8/up/telemetry", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/down/result", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-77/up/telemetry", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-/up/telemetry", false)]
    [InlineData(MqttRole.Device, "pump-7", "devicesXpump-7/up/telemetry", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/up", false)]
    [InlineData(MqttRole.Device, "pump-7", "plant/alarms", false)]
    [InlineData(MqttRole.Observer, "dash", "plant/alarms", false)]
    [InlineData(MqttRole.Service, "erp", "plant/alarms", true)]
    [InlineData(MqttRole.Service, "erp", "devices/pump-7/down/result", false)]
    public void Publishing(MqttRole role, string client, string topic, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.RefusePublish(role, client, topic) is null);

    [Theory]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/down/#", true)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/down/result", true)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/down/+/x", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/#", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/pump-7/down/#/x", false)]
    [InlineData(MqttRole.Device, "pump-7", "devices/+/down/#", false)]
    [InlineData(MqttRole.Observer, "dash", "devices/+/down/#", true)]
    [InlineData(MqttRole.Service, "erp", "#", true)]
    public void Subscribing(MqttRole role, string client, string filter, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.RefuseSubscribe(role, client, filter) is null);
}

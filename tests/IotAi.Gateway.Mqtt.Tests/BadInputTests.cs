using System.Text;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Formatter;

namespace IotAi.Gateway.Mqtt.Tests;

/// <summary>Bad input gets the documented refusal, and neither the connection nor any other device suffers.</summary>
[Collection(SiloGroup.Name)]
public sealed class BadInputTests(SiloFixture silo)
{
    [Fact]
    public async Task Malformed_telemetry_gets_payload_format_invalid_and_an_error_reply_then_the_device_carries_on()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await using var bystander = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var ack = await device.PublishAsync(DeviceTopics.Telemetry(device.Id), Encoding.UTF8.GetBytes("""{"seq":1,"values":{"temperature":"""));
        var bystanderAck = await bystander.SendTelemetryAsync(seq: 1, temperature: 45);
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Equal((ErrorCodes.PayloadInvalid, DeviceTopics.Telemetry(device.Id)), (error.Code, error.Topic));
        Assert.True(bystanderAck.IsSuccess);
        Assert.Equal("normal", (await bystander.NextResultAsync()).Label);

        await device.SendTelemetryAsync(seq: 2, temperature: 45);
        Assert.Equal(2, (await device.NextResultAsync()).Seq);
    }

    [Fact]
    public async Task An_unknown_payload_kind_gets_topic_name_invalid_and_an_error_reply()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var ack = await device.PublishAsync($"devices/{device.Id}/up/sound", [1, 2, 3]);
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.TopicNameInvalid, ack.ReasonCode);
        Assert.Equal(ErrorCodes.UnknownKind, error.Code);
    }

    [Fact]
    public async Task A_311_device_learns_of_a_bad_image_from_its_error_topic()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort, version: MqttProtocolVersion.V311);

        await device.PublishAsync($"{DeviceTopics.Image(device.Id)}/3", Encoding.UTF8.GetBytes("not an image"));
        var error = await device.NextErrorAsync();

        Assert.Equal((3L, ErrorCodes.PayloadInvalid), (error.Seq, error.Code));
        Assert.Contains("not a JPEG or PNG", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_numeric_seq_property_is_refused()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Image(device.Id))
            .WithPayload([0xFF, 0xD8, 0xFF])
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes("seven").AsMemory())
            .Build();

        var ack = await device.PublishRawAsync(message);

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Equal(ErrorCodes.PayloadInvalid, (await device.NextErrorAsync()).Code);
    }

    [Fact]
    public async Task No_client_may_publish_on_a_device_downlink()
    {
        await using var victim = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        await using var forger = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var ack = await forger.PublishAsync(DeviceTopics.Result(victim.Id), Encoding.UTF8.GetBytes("""{"label":"forged"}"""));
        await victim.SendTelemetryAsync(seq: 1, temperature: 45);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, ack.ReasonCode);
        // The first thing the victim hears is its real answer, not the forgery.
        Assert.Equal("normal", (await victim.NextResultAsync()).Label);
    }

    [Fact]
    public async Task Bad_reported_properties_are_refused_with_an_error_reply()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);

        var ack = await device.PublishAsync(DeviceTopics.Reported(device.Id), Encoding.UTF8.GetBytes("""{"position":[1,2]}"""));
        var error = await device.NextErrorAsync();

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.Equal((ErrorCodes.PayloadInvalid, DeviceTopics.Reported(device.Id)), (error.Code, error.Topic));
    }

    [Fact]
    public async Task A_client_without_an_id_may_watch_but_is_no_device()
    {
        await using var device = await TestDevice.ConnectAsync(silo.Host.MqttPort);
        using var watcher = new MqttClientFactory().CreateMqttClient();
        var seen = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            seen.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };

        var connected = await watcher.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", silo.Host.MqttPort).WithClientId("").WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart().Build());
        await watcher.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(DeviceTopics.DownlinkFilter(device.Id)).Build());
        await device.SendTelemetryAsync(seq: 1, temperature: 45);

        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.False(DeviceTopics.IsValidDeviceId(connected.AssignedClientIdentifier), $"the watcher was given a device id: {connected.AssignedClientIdentifier}");
        Assert.Equal(DeviceTopics.Result(device.Id), (await seen.Task.WaitAsync(TimeSpan.FromSeconds(15))).Topic);
        await watcher.DisconnectAsync();
    }
}

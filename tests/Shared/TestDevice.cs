using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAi.Tests.Shared;

/// <summary>A plain MQTT client playing a device, as any third-party device would: no IotAi code but the topic names.</summary>
internal sealed class TestDevice : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool _dropped;

    private TestDevice(string id) => Id = id;

    /// <summary>Completes when the gateway closes the connection, with its reason.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task.WaitAsync(Patience);

    public string Id { get; }

    /// <summary>Connects a device, with its secret when the silo asks for one, and subscribes to its downlink unless told not to.</summary>
    public static async Task<TestDevice> ConnectAsync(int port, string? id = null, MqttProtocolVersion version = MqttProtocolVersion.V500, string? secret = null,
        string? user = null, bool subscribe = true, IPAddress? from = null)
    {
        var (device, connected) = await TryConnectAsync(port, id, version, from, secret, user);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        if (subscribe)
        {
            await device._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(DeviceTopics.DownlinkFilter(device.Id)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .Build());
        }

        return device;
    }

    /// <summary>Connects from <paramref name="from"/> (a loopback address of the test's own) and returns the CONNACK, refused or not.</summary>
    public static async Task<(TestDevice Device, MqttClientConnectResult Connected)> TryConnectAsync(
        int port, string? id = null, MqttProtocolVersion version = MqttProtocolVersion.V500, IPAddress? from = null, string? secret = null, string? user = null)
    {
        var device = new TestDevice(id ?? $"e2e-{Guid.NewGuid():N}");
        device._client.ApplicationMessageReceivedAsync += e =>
        {
            device._received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        device._client.DisconnectedAsync += e =>
        {
            device._disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithEndPoint(new IPEndPoint(IPAddress.Loopback, port))
            .WithTcpServer(tcp => tcp.LocalEndpoint = from is null ? null : new IPEndPoint(from, 0))
            .WithClientId(device.Id)
            .WithProtocolVersion(version)
            .WithCredentials(secret is null ? null : user ?? device.Id, secret)
            .Build();
        return (device, await device._client.ConnectAsync(options));
    }

    public Task<MqttClientPublishResult> SendTelemetryAsync(long seq, double temperature) =>
        PublishAsync(DeviceTopics.Telemetry(Id), Encoding.UTF8.GetBytes(
            $$$"""{"seq":{{{seq}}},"values":{"temperature":{{{temperature}}},"vibration":0.3,"current":10}}"""));

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, long? seq = null)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (seq is long s)
        {
            builder.WithUserProperty(UserProperties.Seq, Encoding.UTF8.GetBytes(s.ToString(System.Globalization.CultureInfo.InvariantCulture)).AsMemory());
        }

        return _client.PublishAsync(builder.Build());
    }

    public Task<MqttClientPublishResult> PublishRawAsync(MqttApplicationMessage message) => _client.PublishAsync(message);

    public Task<MqttClientSubscribeResult> SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(qos)).Build());

    public Task<MqttClientUnsubscribeResult> UnsubscribeAsync(string filter) =>
        _client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build());

    /// <summary>The next downlink message, whatever it is.</summary>
    public async Task<MqttApplicationMessage> NextAsync() => await _received.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    public async Task<InferenceResult> NextResultAsync() => Read(await ExpectAsync(DeviceTopics.Result(Id)), ProtocolJson.Default.InferenceResult);

    /// <summary>The next result, read as the JSON of a tensor call's answer (<c>model_name, outputs, parameters</c>).</summary>
    public async Task<JsonElement> NextTensorResultAsync() => JsonDocument.Parse((await ExpectAsync(DeviceTopics.Result(Id))).Payload.ToArray()).RootElement;

    public async Task<ErrorReply> NextErrorAsync() => Read(await ExpectAsync(DeviceTopics.Error(Id)), ProtocolJson.Default.ErrorReply);

    public async Task<DesiredProperties> NextDesiredAsync() => Read(await ExpectAsync(DeviceTopics.Desired(Id)), ProtocolJson.Default.DesiredProperties);

    /// <summary>Drops the connection as a device losing power would: the socket closes, with no DISCONNECT.</summary>
    public void Drop()
    {
        _dropped = true;
        _client.Dispose();
    }

    /// <summary>Says DISCONNECT and closes, without waiting for the broker to finish with the connection.</summary>
    public Task LeaveAsync() => _client.DisconnectAsync();

    public async ValueTask DisposeAsync()
    {
        if (!_dropped && _client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    private async Task<MqttApplicationMessage> ExpectAsync(string topic)
    {
        var message = await NextAsync();
        Assert.True(topic == message.Topic, $"expected a message on {topic}, got {message.Topic}: {message.ConvertPayloadToString()}");
        return message;
    }

    private static T Read<T>(MqttApplicationMessage message, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(message.Payload.ToArray(), type) ?? throw new InvalidDataException("an empty downlink");
}

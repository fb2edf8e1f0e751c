using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Simulator.Tests;

/// <summary>An uplink as the fake gateway saw it.</summary>
public sealed record SeenUplink(
    string ClientId, string DeviceId, PayloadKind Kind, long Seq, string Topic, byte[] Payload,
    string? ContentType, MqttQualityOfServiceLevel Qos, IReadOnlyDictionary<string, string> UserProperties);

/// <summary>
/// A real MQTTnet broker on a free loopback port that plays the gateway: it swallows each uplink, records it,
/// and injects the reply its policy picks on the device's down topic, as the real ingress does.
/// </summary>
public sealed class FakeGateway : IAsyncDisposable
{
    private const string GatewayClientId = "fake-gateway";

    private readonly MqttServer _server;
    private readonly Func<SeenUplink, string, GatewayReply?> _answer;
    private readonly GroundTruth _truth;
    private readonly TaskCompletionSource _firstUplink = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeGateway(int port, Func<SeenUplink, string, GatewayReply?> answer, GroundTruth truth)
    {
        Port = port;
        _answer = answer;
        _truth = truth;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.InterceptingPublishAsync += OnPublishAsync;
        _server.ClientConnectedAsync += e =>
        {
            ConnectedClients.TryAdd(e.ClientId, 0);
            ConnectedFrom.TryAdd(e.ClientId, ((IPEndPoint)e.RemoteEndPoint).Address);
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += e =>
        {
            DisconnectedClients.TryAdd(e.ClientId, 0);
            return Task.CompletedTask;
        };
    }

    public int Port { get; }

    public ConcurrentQueue<SeenUplink> Uplinks { get; } = new();

    public ConcurrentDictionary<string, byte> ConnectedClients { get; } = new();

    public ConcurrentDictionary<string, byte> DisconnectedClients { get; } = new();

    /// <summary>The address each client connected from.</summary>
    public ConcurrentDictionary<string, IPAddress> ConnectedFrom { get; } = new();

    public Task FirstUplink => _firstUplink.Task;

    public static async Task<FakeGateway> StartAsync(Func<SeenUplink, string, GatewayReply?> answer, GroundTruth truth)
    {
        var gateway = new FakeGateway(FreePort(), answer, truth);
        await gateway._server.StartAsync();
        return gateway;
    }

    public IReadOnlyList<SeenUplink> UplinksOf(string deviceId) => [.. Uplinks.Where(u => u.DeviceId == deviceId)];

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = DeviceTopics.ParseUplink(e.ApplicationMessage.Topic);
        if (e.ClientId == GatewayClientId || topic.Status != UplinkTopicStatus.Ok)
        {
            return;
        }

        e.ProcessPublish = false;
        var message = e.ApplicationMessage;
        var payload = message.Payload.ToArray();
        var properties = (message.UserProperties ?? []).ToDictionary(p => p.Name, p => p.ReadValueAsString());
        var seq = topic.Kind == PayloadKind.Telemetry
            ? JsonSerializer.Deserialize(payload, ProtocolJson.Wire.Telemetry)!.Seq!.Value
            : long.Parse(properties[UserProperties.Seq], CultureInfo.InvariantCulture);
        var uplink = new SeenUplink(e.ClientId, topic.DeviceId!, topic.Kind, seq, message.Topic, payload, message.ContentType, message.QualityOfServiceLevel, properties);
        Uplinks.Enqueue(uplink);
        _firstUplink.TrySetResult();

        var reply = _answer(uplink, _truth.Label(uplink.DeviceId, seq));
        if (reply?.Label is { } label)
        {
            var kind = topic.Kind == PayloadKind.Image ? "image" : "telemetry";
            var result = new InferenceResult(seq, kind, "fake", "1", label, 0.9f, new Dictionary<string, float> { [label] = 0.9f }, 0.1);
            await ReplyAsync(DeviceTopics.Result(uplink.DeviceId), JsonSerializer.SerializeToUtf8Bytes(result, ProtocolJson.Wire.InferenceResult));
        }
        else if (reply?.ErrorCode is { } code)
        {
            // Like the real ingress: a failing PUBACK, and an error reply that names the seq.
            e.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
            var error = new ErrorReply(seq, code, "refused by the fake gateway", message.Topic);
            await ReplyAsync(DeviceTopics.Error(uplink.DeviceId), JsonSerializer.SerializeToUtf8Bytes(error, ProtocolJson.Wire.ErrorReply));
        }
    }

    private Task ReplyAsync(string topic, byte[] json)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(json)
            .WithContentType(ContentTypes.Json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = GatewayClientId });
    }

    /// <summary>A port nothing listens on now: the OS picks it for a throwaway listener.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

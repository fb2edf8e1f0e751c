using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using IotAi.Gateway.Mqtt.Identity;
using IotAi.Gateway.Mqtt.Limits;
using IotAi.Gateway.Mqtt.Sessions;
using IotAi.Grains;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Polly;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// The silo's MQTT front door: an embedded MQTTnet broker whose publish interceptor hands each device
/// uplink to the device's grain and publishes the grain's answer on the device's downlink topic. The
/// PUBACK of a QoS 1 uplink leaves only after the grain has answered (and so persisted), and carries an
/// MQTT 5 reason code for refusals; every refusal also goes to the device's error topic for 3.1.1 clients.
/// </summary>
public sealed partial class MqttIngress(
    IOptions<MqttIngressOptions> options,
    IOptions<MqttTlsOptions> tls,
    IGrainFactory grains,
    IIngressPolicy policy,
    ModelChunkServer chunks,
    IngressLimits limits,
    ClientTerms terms,
    Cluster.ClusterBroker cluster,
    External.ExternalBroker external,
    GatewayTelemetry telemetry,
    [FromKeyedServices(GrainCallPipeline.Key)] ResiliencePipeline grainCalls,
    ILogger<MqttIngress> logger) : IHostedService, IDisposable
{
    /// <summary>The sender id of everything the gateway publishes itself.</summary>
    public const string GatewayClientId = "$iotai-gateway";

    private readonly MqttIngressOptions _options = options.Value;
    private readonly ResiliencePipeline _grainCalls = grainCalls;
    /// <summary>What devices are told when their silo stops.</summary>
    public const string ShuttingDown = "server shutting down";

    private MqttServer? _server;
    // Orleans holds observers weakly: this field is what keeps the downlink alive while the reference is handed out.
    private MqttDownlink? _downlink;
    private IDeviceDownlink? _downlinkReference;

    /// <summary>Whether the broker is bound and accepting connections.</summary>
    public bool IsListening => _server?.IsStarted == true;

    /// <summary>The port the broker listens on, once started.</summary>
    public int Port => _options.Port;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(_options.BindAddress))
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(_options.Port)
            .WithMaxPendingMessagesPerClient(_options.MaxPendingMessagesPerClient)
            .WithPersistentSessions();
        if (external.Enabled)
        {
            // Devices connect to the user's broker: this silo's broker takes no connections, only what the attachment hands it.
            builder.WithoutDefaultEndpoint();
        }
        else
        {
            if (!_options.PlainEnabled)
            {
                builder.WithoutDefaultEndpoint();
            }

            if (tls.Value.Enabled)
            {
                MqttTlsEndpoint.Configure(builder, tls.Value, tls.Value.SelfSignedDirectory, IPAddress.Parse(_options.BindAddress), logger);
            }
            else if (!_options.PlainEnabled)
            {
                throw new InvalidOperationException("Mqtt:PlainEnabled is false and Mqtt:Tls:Enabled is not true: the broker would take no connections. Enable MQTT over TLS, or plain MQTT.");
            }
        }

        var serverOptions = builder.Build();
        // Each connection keeps its packet writer's buffer for life: MQTTnet's 4 KB default, held by every idle device, was
        // 4 KB of the 22 KB of managed heap an idle device held. A writer starts small and grows to the largest packet it wrote (an
        // answer is a few hundred bytes); one that wrote a larger packet, such as a model chunk, shrinks back to the cap.
        serverOptions.WriterBufferSize = 256;
        serverOptions.WriterBufferSizeMax = 4096;
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, external.Enabled ? [] : [limits.CreateListener(_options.TopicAliasMaximum, terms.Hold)]);
        terms.TooLargeForClient = TellTooLarge;
        _downlink = new MqttDownlink(PublishAsync, DisconnectAsync);
        _downlinkReference = grains.CreateObjectReference<IDeviceDownlink>(_downlink);
        _server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        _server.ClientConnectedAsync += OnClientConnectedAsync;
        _server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        _server.InterceptingPublishAsync += OnPublishAsync;
        _server.InterceptingSubscriptionAsync += OnSubscribeAsync;
        _server.ClientSubscribedTopicAsync += OnSubscribedAsync;
        _server.ClientUnsubscribedTopicAsync += OnUnsubscribedAsync;
        _server.SessionDeletedAsync += OnSessionDeletedAsync;
        _server.LoadingRetainedMessageAsync += OnLoadingRetainedAsync;
        await _server.StartAsync();
        terms.Sessions.Start(_server);
        // The client id goes with this silo's first report, so another silo knows whose session to take over at once.
        cluster.Start(_server, external.ClientId);
        if (external.Enabled)
        {
            cluster.SilosGone += OnSilosGone;
            external.Start(TakeExternalUplinkAsync);
            return;
        }

        if (_options.PlainEnabled)
        {
            LogListening(_options.BindAddress, _options.Port);
        }
    }

    /// <summary>
    /// Stops taking connections and tells every device, in an MQTT 5 DISCONNECT, to use another server: devices
    /// reconnect through the load balancer to a silo that stays, while this one's grains are still there to hear
    /// them go. Hosted services stop in reverse order, so the silo stops after this.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Out of the user's broker and the cluster's first: the other silos are given this silo's share.
        await external.DisposeAsync();
        await cluster.DisposeAsync();
        if (_server is not null)
        {
            var goodbye = new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.UseAnotherServer, ReasonString = ShuttingDown };
            await _server.StopAsync(new MqttServerStopOptions { DefaultClientDisconnectOptions = goodbye });
        }

        if (_downlinkReference is not null)
        {
            grains.DeleteObjectReference<IDeviceDownlink>(_downlinkReference);
        }
    }

    public void Dispose() => _server?.Dispose();

    private Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (Cluster.ShareFilterProbe.IsMarked(filter))
        {
            if (!Cluster.ShareFilterProbe.TryRead(filter, out _, out filter))
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
                e.Response.ReasonString = "a shared subscription is $share/{group}/{filter}, with no '/', '+' or '#' in the group";
                telemetry.Refused("subscribe");
                return Task.CompletedTask;
            }
        }

        var refusal = policy.AuthorizeSubscribe(e.ClientId, filter);
        if (refusal is not null)
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            e.Response.ReasonString = refusal.Reason;
            telemetry.Refused("subscribe");
        }

        return Task.CompletedTask;
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.ClientId is GatewayClientId or Cluster.ClusterBroker.RelayClientId)
        {
            if (external.Enabled && e.ClientId == GatewayClientId)
            {
                // What the gateway sends a device goes through the user's broker, where the device is.
                e.ProcessPublish = false;
                await external.SendAsync(e.ApplicationMessage, "external");
            }

            return;
        }

        var message = e.ApplicationMessage;
        if (limits.CheckPublish(e.ClientId, message.Payload.Length) is { } overBudget)
        {
            Refuse(e, overBudget.Code, overBudget.Reason, overBudget.Metric);
            return;
        }

        var refusal = policy.AuthorizePublish(e.ClientId, message.Topic);
        if (refusal is not null)
        {
            Refuse(e, ReasonCodes.ForPublish(refusal.Kind), refusal.Reason, "publish");
            return;
        }

        var topic = DeviceTopics.ParseUplink(message.Topic, e.ClientId);
        if (topic.Status == UplinkTopicStatus.NotUplink)
        {
            if (message.Topic.Contains('\0', StringComparison.Ordinal))
            {
                // MQTT-4.7.3-2; and a shared subscription is stored under a NUL (ShareFilterProbe), where nothing may match it.
                Refuse(e, MqttPubAckReasonCode.TopicNameInvalid, "a topic name may not hold a NUL character", "topic");
                return;
            }

            // Routed as on any broker, on this silo and the others, to expire where it waits.
            MessageExpiry.Stamp(message, terms.Time);
            if (await cluster.PublishedAsync(message) is { } notKept)
            {
                Refuse(e, MqttPubAckReasonCode.QuotaExceeded, notKept, "retained");
            }

            return;
        }

        // Uplinks are answered by the gateway, not fanned out to subscribers.
        e.ProcessPublish = false;
        if (topic.DeviceId is not null && limits.CheckPayload(topic, message.Payload.Length) is { } tooLarge)
        {
            Refuse(e, tooLarge.Code, tooLarge.Reason, tooLarge.Metric);
            await PublishAsync(topic.DeviceId, Replies.Error(topic.Seq, ErrorCodes.PayloadInvalid, tooLarge.Reason, message.Topic));
            return;
        }

        switch (topic.Status)
        {
            case UplinkTopicStatus.InvalidDeviceId:
                Refuse(e, MqttPubAckReasonCode.TopicNameInvalid, "the device id in the topic is not valid", "device_id");
                return;
            case UplinkTopicStatus.UnknownKind:
                Refuse(e, MqttPubAckReasonCode.TopicNameInvalid, "unknown payload kind", "unknown_kind");
                await PublishAsync(topic.DeviceId!, Replies.Error(null, ErrorCodes.UnknownKind, $"the topic {message.Topic} names no payload kind the gateway knows", message.Topic));
                return;
            case UplinkTopicStatus.Reported:
                await HandleAsync(e, topic.DeviceId!, null, (Payload: message.Payload.ToArray(), message.Topic), static (grain, m) => grain.ReportAsync(m.Payload, m.Topic));
                return;
            case UplinkTopicStatus.ModelStatus:
                await HandleAsync(e, topic.DeviceId!, null, (Payload: message.Payload.ToArray(), message.Topic), static (grain, m) => grain.ReportModelStatusAsync(m.Payload, m.Topic));
                return;
            case UplinkTopicStatus.Label:
                await HandleAsync(e, topic.DeviceId!, null, (Payload: message.Payload.ToArray(), message.Topic), static (grain, m) => grain.ReportLabelAsync(m.Payload, m.Topic));
                return;
            case UplinkTopicStatus.ModelQuality:
                await HandleAsync(e, topic.DeviceId!, null, (Payload: message.Payload.ToArray(), message.Topic), static (grain, m) => grain.ReportModelQualityAsync(m.Payload, m.Topic));
                return;
            case UplinkTopicStatus.ModelFetch:
                await ServeChunksAsync(e, topic.DeviceId!);
                return;
        }

        if (!TryReadSeq(message, topic, out var seq))
        {
            Refuse(e, MqttPubAckReasonCode.PayloadFormatInvalid, "the seq user property must be a positive integer", "seq");
            await PublishAsync(topic.DeviceId!, Replies.Error(null, ErrorCodes.PayloadInvalid, "the seq user property must be a positive integer", message.Topic));
            return;
        }

        var uplink = new Uplink(topic.Kind, UplinkPayload.Take(message.Payload), seq, message.Topic, !IsAnsweredAtEdge(message), UserProperty(message, UserProperties.Edge), UserProperty(message, UserProperties.Label),
            topic.Kind == PayloadKind.Tensor ? TensorCall(message, topic.Model) : null);
        using var activity = GatewayTelemetry.Source.HasListeners() ? StartIngress(message, topic.DeviceId!, uplink.Kind, seq) : null;
        var started = Stopwatch.GetTimestamp();
        telemetry.Received(uplink.Kind);
        if (activity is { Recorded: true })
        {
            // Only a sampled trace continues into the grain; the rest cost the grain nothing.
            RequestContext.Set(DeviceCallContext.TraceParentKey, activity.Id!);
        }

        await HandleAsync(e, topic.DeviceId!, seq, uplink, static (grain, u) => grain.HandleUplinkAsync(u));
        RequestContext.Remove(DeviceCallContext.TraceParentKey);
        telemetry.Answered(uplink.Kind, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Calls the device's grain, sets the PUBACK reason code from its outcome and publishes its reply.</summary>
    /// <remarks>The call and its argument come apart, and the call is static, so that an uplink costs no closure.</remarks>
    private async Task HandleAsync<TArg>(InterceptingPublishEventArgs e, string deviceId, long? seq, TArg arg, Func<IDeviceGrain, TArg, Task<UplinkReply>> call)
    {
        var device = DeviceSession.Of(e.SessionItems, deviceId, grains);
        var topic = e.ApplicationMessage.Topic;
        UplinkReply reply;
        try
        {
            reply = await _grainCalls.CallAsync(_options.UplinkTimeout, device.Grain, arg, call, e.CancellationToken);
        }
#pragma warning disable CA1031 // A failed grain call must still answer the device.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUplinkFailed(ex, deviceId, topic);
            Refuse(e, ReasonCodes.Unavailable, "the gateway could not handle the message in time; send it again", "unavailable");
            await PublishAsync(deviceId, Replies.Error(seq, ErrorCodes.Unavailable, "the gateway could not handle the message; send it again", topic));
            return;
        }

        e.Response.ReasonCode = ReasonCodes.ForOutcome(reply.Outcome);
        if (reply.Reply is not null)
        {
            await PublishReplyAsync(device, reply.Reply);
        }
    }

    private void Refuse(InterceptingPublishEventArgs e, MqttPubAckReasonCode code, string reason, string metricReason)
    {
        e.ProcessPublish = false;
        e.Response.ReasonCode = code;
        e.Response.ReasonString = reason;
        telemetry.Refused(metricReason);
        LogPublishRefused(e.ClientId, e.ApplicationMessage.Topic, reason);
    }

    private async Task PublishAsync(string topic, byte[] payload, string contentType, string kind, string? traceParent = null, uint expirySeconds = 0)
    {
        await _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(Message(topic, payload, contentType, traceParent, expirySeconds)) { SenderClientId = GatewayClientId });
        telemetry.Sent(kind);
    }

    /// <summary>A QoS 1 message, made directly rather than through a builder: one is made for every answer.</summary>
    private MqttApplicationMessage Message(string topic, byte[] payload, string contentType, string? traceParent = null, uint expirySeconds = 0)
    {
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            ContentType = contentType,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            MessageExpiryInterval = expirySeconds,
            UserProperties = traceParent is null ? null : [new MqttUserProperty(UserProperties.TraceParent, System.Text.Encoding.UTF8.GetBytes(traceParent))],
        };
        MessageExpiry.Stamp(message, terms.Time);
        return message;
    }

    /// <summary>
    /// A message larger than the Maximum Packet Size its client announced is not sent (MQTT-3.1.2-24); a device is told
    /// on its error topic, which a short error fits where the message did not.
    /// </summary>
    private void TellTooLarge(string clientId, MqttPublishPacket publish, uint maximum)
    {
        if (DeviceTopics.IsValidDeviceId(clientId) && publish.Topic != DeviceTopics.Error(clientId))
        {
            _ = PublishAsync(clientId, Replies.Error(null, ErrorCodes.MessageTooLarge,
                $"a {publish.Payload.Length}-byte message on {publish.Topic} does not fit the {maximum}-byte maximum packet size this client announced", publish.Topic));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT ingress listening on {Address}:{Port}")]
    private partial void LogListening(string address, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a connection from {ClientId} at {Address}: {Reason}")]
    private partial void LogConnectRefused(string clientId, System.Net.EndPoint? address, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused a publish from {ClientId} on {Topic}: {Reason}")]
    private partial void LogPublishRefused(string clientId, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An uplink from {DeviceId} on {Topic} failed")]
    private partial void LogUplinkFailed(Exception exception, string deviceId, string topic);
}

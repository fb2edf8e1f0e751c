using IotAi.Grains;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// Delivering answers and pushes: straight into the device's session when nobody else watches device topics, which
/// costs the same however many devices are connected; else through the broker's routing, which checks every session.
/// </summary>
public sealed partial class MqttIngress
{
    private readonly DownlinkWatchers _watchers = new();

    /// <summary>Publishes an answer to its device, into its session when it can, else through the broker.</summary>
    private async Task DeliverAsync(DeviceSession device, MqttApplicationMessage message, string kind)
    {
        if (external.Enabled)
        {
            await external.SendAsync(message, kind);
            return;
        }

        if (!_watchers.Any)
        {
            if (device.SubscribedQos(message.Topic) is not { } qos)
            {
                // Not subscribed to it: the broker would deliver it to nobody either.
                return;
            }

            if ((device.BrokerSession ??= await SessionOfAsync(device.DeviceId)) is { } session)
            {
                // As the broker would: at the lower of the message's QoS and the subscription's.
                message.QualityOfServiceLevel = qos < message.QualityOfServiceLevel ? qos : message.QualityOfServiceLevel;
                Enqueue(session, message, kind);
                return;
            }
        }

        await _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = GatewayClientId });
        telemetry.Sent(kind);
    }

    /// <summary>
    /// Publishes what a grain (or the ingress itself) sends a device: into the device's session when this silo holds it,
    /// as answers go, else through the broker's routing. Routing matches the message against every session's
    /// subscriptions, so with thousands of devices connected an offer or a twin push cost far more than sending it (a
    /// sixteenth of a silo's CPU in a rollout to 1,000 devices).
    /// </summary>
    private async Task PublishAsync(string deviceId, DownlinkMessage downlink)
    {
        var (topic, kind) = (DownlinkTopics.For(deviceId, downlink.Kind), DownlinkTopics.NameOf(downlink.Kind));
        // DeliverAsync still goes through the routing, or the user's broker, where those need it.
        if (await SessionOfAsync(deviceId) is { } session && DeviceSession.Known(session.Items, deviceId) is { } device)
        {
            device.BrokerSession ??= session;
            await DeliverAsync(device, Message(topic, downlink.Payload, ContentTypes.Json, downlink.TraceParent, DownlinkTopics.ExpiryOf(downlink.Kind)), kind);
            return;
        }

        await PublishAsync(topic, downlink.Payload, ContentTypes.Json, kind, downlink.TraceParent, DownlinkTopics.ExpiryOf(downlink.Kind));
    }

    /// <summary>Puts a message straight into a device's session, counted as sent, or as dropped when its queue is full.</summary>
    private void Enqueue(MqttSessionStatus session, MqttApplicationMessage message, string kind)
    {
        if (session.TryEnqueueApplicationMessage(message, out _))
        {
            telemetry.Sent(kind);
        }
        else
        {
            telemetry.Dropped(kind);
        }
    }

    /// <summary>Keeps track of who subscribes to what: the device's own downlink filters, and watchers of device topics.</summary>
    private void TrackSubscription(ClientSubscribedTopicEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (DeviceTopics.IsValidDeviceId(e.ClientId) && filter.StartsWith($"{DeviceTopics.Root}/{e.ClientId}/down/", StringComparison.Ordinal))
        {
            DeviceSession.Of(e.SessionItems, e.ClientId, grains).Subscribed(filter, e.TopicFilter.QualityOfServiceLevel);
        }
        else if (DownlinkWatchers.Watches(filter))
        {
            _watchers.Subscribed(e.ClientId, filter);
        }
    }

    private Task OnUnsubscribedAsync(ClientUnsubscribedTopicEventArgs e)
    {
        if (Cluster.ShareFilterProbe.TryRead(e.TopicFilter, out var group, out var filter))
        {
            cluster.Local.Unsubscribed(e.ClientId, group, filter);
            return Task.CompletedTask;
        }

        if (DeviceTopics.IsValidDeviceId(e.ClientId))
        {
            DeviceSession.Of(e.SessionItems, e.ClientId, grains).Unsubscribed(e.TopicFilter);
        }

        _watchers.Unsubscribed(e.ClientId, e.TopicFilter);
        return Task.CompletedTask;
    }

    /// <summary>The broker starts with the cluster's retained messages, so a silo that joins delivers the same ones as the rest.</summary>
    private async Task OnLoadingRetainedAsync(LoadingRetainedMessagesEventArgs e)
    {
        try
        {
            e.LoadedRetainedMessages = await cluster.LoadRetainedAsync();
        }
#pragma warning disable CA1031 // The broker still serves without them; new retained publishes arrive from the other silos as they come.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRetainedNotLoaded(ex);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Could not load the cluster's retained messages; this silo delivers only those retained from now on")]
    private partial void LogRetainedNotLoaded(Exception exception);

    private Task OnSessionDeletedAsync(SessionDeletedEventArgs e)
    {
        _watchers.SessionDeleted(e.Id);
        cluster.Local.SessionDeleted(e.Id);
        return Task.CompletedTask;
    }
}

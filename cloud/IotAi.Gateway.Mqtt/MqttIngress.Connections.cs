using IotAi.Gateway.Mqtt.Sessions;
using IotAi.Grains;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt;

/// <summary>
/// The ingress's part in connections: each device's grain learns which silo holds its connection (so pushes from
/// any silo reach it) and when it has subscribed (so what was pushed meanwhile is sent again).
/// </summary>
public sealed partial class MqttIngress
{
    private Task OnClientConnectedAsync(ClientConnectedEventArgs e)
    {
        telemetry.Connected();
        cluster.Local.Connected(e.ClientId);
        if (e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500)
        {
            SessionExpiries.Connected(e.SessionItems);
        }
        if (DeviceTopics.IsValidDeviceId(e.ClientId))
        {
            // The device's grain learns which silo holds it, so pushes from anywhere reach it here. Not awaited: MQTTnet
            // reads none of the device's packets until this handler returns, and the grain's silo may be going.
            var grain = grains.GetGrain<IDeviceGrain>(e.ClientId);
            var maximumPacketSize = terms.MaximumPacketSizeOf(e.RemoteEndPoint);
            _ = TellGrainAsync(e.ClientId, token => grain.ConnectedAsync(_downlinkReference!, maximumPacketSize).WaitAsync(token));
        }

        return Task.CompletedTask;
    }

    private async Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        telemetry.Disconnected();
        limits.Disconnected(e.ClientId, e.DisconnectType);
        terms.Disconnected(e);
        cluster.Local.Disconnected(e.ClientId);
        // A takeover means the same device is connected again already; its grain keeps the new connection.
        if (e.DisconnectType != MqttClientDisconnectType.Takeover && DeviceTopics.IsValidDeviceId(e.ClientId))
        {
            try
            {
                await grains.GetGrain<IDeviceGrain>(e.ClientId).DisconnectedAsync(_downlinkReference!);
            }
#pragma warning disable CA1031 // During shutdown the grain may be gone already; nothing else depends on this call.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogDisconnectNotRecorded(ex, e.ClientId);
            }
        }
    }

    private Task OnSubscribedAsync(ClientSubscribedTopicEventArgs e)
    {
        if (Cluster.ShareFilterProbe.TryRead(e.TopicFilter.Topic, out var group, out var filter))
        {
            cluster.Local.Subscribed(e.ClientId, group, filter, e.TopicFilter.QualityOfServiceLevel);
            return Task.CompletedTask;
        }

        TrackSubscription(e);
        // Pushes made at connect are lost on a clean session that had not subscribed yet: repeat them now.
        if (DeviceTopics.IsValidDeviceId(e.ClientId) && e.TopicFilter.Topic.StartsWith($"{DeviceTopics.Root}/{e.ClientId}/", StringComparison.Ordinal))
        {
            var grain = grains.GetGrain<IDeviceGrain>(e.ClientId);
            _ = TellGrainAsync(e.ClientId, token => grain.DownlinkSubscribedAsync().WaitAsync(token));
        }

        return Task.CompletedTask;
    }

    /// <summary>Tells a device's grain of its connection, again while the grain's silo is going; a failure is logged, and the next connect or subscribe catches up.</summary>
    private async Task TellGrainAsync(string deviceId, Func<CancellationToken, Task> call)
    {
        try
        {
            await _grainCalls.ExecuteAsync(async token => await call(token));
        }
#pragma warning disable CA1031 // The connection stands without it: answers still come back, and pushes catch up at the next subscribe or connect.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectNotRecorded(ex, deviceId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record that {DeviceId} connected; pushes reach it after its next subscribe")]
    private partial void LogConnectNotRecorded(Exception exception, string deviceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not record that {DeviceId} disconnected")]
    private partial void LogDisconnectNotRecorded(Exception exception, string deviceId);
}

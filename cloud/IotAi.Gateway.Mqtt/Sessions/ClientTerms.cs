using IotAi.Gateway.Mqtt.Limits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Adapter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// The broker's side of the terms every connection keeps (<see cref="ClientTermsAdapter"/>): the limits it announces,
/// what is counted and logged when a message may not be sent, and the sessions that expire.
/// </summary>
public sealed partial class ClientTerms(
    IOptions<MqttIngressOptions> options,
    IOptions<MqttLimitsOptions> limits,
    GatewayTelemetry telemetry,
    TimeProvider time,
    ILogger<ClientTerms> logger) : IDisposable
{
    internal ushort TopicAliasMaximum => options.Value.TopicAliasMaximum;

    /// <summary>What CONNACK announces: the packet size the listener closes connections over.</summary>
    internal uint MaximumPacketSize => (uint)limits.Value.MaxPacketBytes;

    /// <summary>How many messages may wait for a slot in a client's Receive Maximum, as many as may wait in its session.</summary>
    internal int MaxWaitingPerClient => options.Value.MaxPendingMessagesPerClient;

    internal TimeProvider Time => time;

    internal SessionExpiries Sessions { get; } = new(time, logger);

    /// <summary>Set by the ingress: tells a device that a message for it was larger than it can take.</summary>
    internal Action<string, MqttPublishPacket, uint>? TooLargeForClient { get; set; }

    internal IMqttChannelAdapter Hold(IMqttChannelAdapter connection, IConnectionWire wire) => new ClientTermsAdapter(connection, wire, this);

    /// <summary>An id for a client that left the choice to the server: '~' is no device id character, so it is never taken for a device.</summary>
    internal static string AssignClientId() => $"anonymous~{Guid.NewGuid():N}";

    internal void Dropped(string clientId, MqttPublishPacket publish, PublishDrop why, uint maximumPacketSize)
    {
        telemetry.Dropped(why switch
        {
            PublishDrop.TooLarge => "too_large",
            PublishDrop.Expired => "expired",
            _ => "queue_full",
        });
        LogDropped(clientId, publish.Topic, why);
        if (why == PublishDrop.TooLarge)
        {
            TooLargeForClient?.Invoke(clientId, publish, maximumPacketSize);
        }
    }

    /// <summary>The connections whose CONNACK accepted them, by their remote end point: the disconnected event names the connection by it.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Net.EndPoint, ClientTermsAdapter> _accepted = [];

    /// <summary>Each client id's connection here, from its CONNACK until the broker is done with it.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ClientTermsAdapter> _live = new(StringComparer.Ordinal);

    internal void Live(ClientTermsAdapter connection)
    {
        if (connection.ClientId.Length > 0)
        {
            _live[connection.ClientId] = connection;
        }
    }

    internal void Ended(ClientTermsAdapter connection) => _live.TryRemove(new KeyValuePair<string, ClientTermsAdapter>(connection.ClientId, connection));

    /// <summary>The connection this client id has here, open or closing, if any.</summary>
    internal ClientTermsAdapter? ConnectionOf(string clientId) => _live.TryGetValue(clientId, out var connection) ? connection : null;

    internal void Accepted(ClientTermsAdapter connection) => _accepted.AddOrUpdate(connection.RemoteEndPoint, connection);

    /// <summary>The Maximum Packet Size the client at <paramref name="remote"/> announced when it was accepted; 0 for none.</summary>
    internal uint MaximumPacketSizeOf(System.Net.EndPoint remote) => _accepted.TryGetValue(remote, out var connection) ? connection.MaximumPacketSize : 0;

    /// <summary>A connection ended (MQTTnet's disconnected event): its session's expiry starts, at the interval the connection left it.</summary>
    internal void Disconnected(MQTTnet.Server.ClientDisconnectedEventArgs e)
    {
        var seconds = _accepted.TryGetValue(e.RemoteEndPoint, out var connection) ? connection.SessionExpiryAtEnd : 0;
        Sessions.Disconnected(e.ClientId, e.SessionItems, e.DisconnectType == MQTTnet.Server.MqttClientDisconnectType.Takeover, seconds);
    }

    public void Dispose() => Sessions.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Did not send {ClientId} a message on {Topic}: {Why}")]
    private partial void LogDropped(string clientId, string topic, PublishDrop why);

}

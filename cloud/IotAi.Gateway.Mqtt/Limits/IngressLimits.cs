using System.Net;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Adapter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// The limits the MQTT ingress applies before any device's grain is called: packet size (in the listener), connections
/// and connects per address, each client's message and byte rate, and the size of a payload by its kind. Each answer
/// is null to go on, or a refusal with its MQTT 5 reason code. Pixel counts and JSON depth are checked where payloads
/// are read (<see cref="PayloadLimits"/>), so the edge refuses the same input.
/// </summary>
public sealed class IngressLimits : IDisposable
{
    private readonly MqttLimitsOptions _options;
    private readonly AddressLimits _addresses;
    private readonly DeviceRates _rates;
    private readonly GatewayTelemetry _telemetry;
    private readonly ILogger<IngressLimits> _logger;
    private readonly TimeProvider _clock;

    public IngressLimits(IOptions<MqttLimitsOptions> options, GatewayTelemetry telemetry, TimeProvider clock, ILogger<IngressLimits> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _addresses = new AddressLimits(_options, clock);
        _rates = new DeviceRates(_options, clock);
        _telemetry = telemetry;
        _logger = logger;
        _clock = clock;
    }

    /// <summary>
    /// The broker's listener, which enforces <see cref="MqttLimitsOptions.MaxPacketBytes"/> and
    /// <see cref="MqttLimitsOptions.ConnectTimeout"/>, and counts sockets per address.
    /// </summary>
    /// <param name="topicAliasMaximum">The highest topic alias a client may use (what CONNACK announces).</param>
    /// <param name="hold">Wraps each connection's packet adapter in what holds it to its client's terms.</param>
    internal IMqttServerAdapter CreateListener(ushort topicAliasMaximum, Func<IMqttChannelAdapter, IConnectionWire, IMqttChannelAdapter> hold) =>
        new GuardedTcpServerAdapter(_options, topicAliasMaximum, _addresses, hold, _telemetry, _clock, _logger);

    public LimitRefusal<MqttConnectReasonCode>? CheckConnect(EndPoint? remote) =>
        remote is IPEndPoint ip ? _addresses.CheckConnect(ip.Address) : null;

    /// <summary>Spends a client's budget on one publish of <paramref name="payloadBytes"/>.</summary>
    public LimitRefusal<MqttPubAckReasonCode>? CheckPublish(string clientId, long payloadBytes) => _rates.TrySpend(clientId, payloadBytes);

    /// <summary>
    /// An uplink's payload over the size its kind allows: images and tensor calls (which carry whole tensors, as an image
    /// carries its pixels) by <c>MaxImageBytes</c>, everything else (JSON) by <c>MaxJsonBytes</c>.
    /// </summary>
    public LimitRefusal<MqttPubAckReasonCode>? CheckPayload(UplinkTopicParse topic, long payloadBytes)
    {
        var large = topic is { Status: UplinkTopicStatus.Ok, Kind: PayloadKind.Image or PayloadKind.Tensor };
        var max = large ? _options.MaxImageBytes : _options.MaxJsonBytes;
        return payloadBytes <= max ? null : LimitRefusals.PayloadTooLarge(large ? (topic.Kind == PayloadKind.Image ? "image" : "tensor payload") : "JSON payload", payloadBytes, max);
    }

    /// <summary>Releases a client's budget when it goes; not on a takeover, where the same client is connected again already.</summary>
    public void Disconnected(string clientId, MqttClientDisconnectType type)
    {
        if (type != MqttClientDisconnectType.Takeover)
        {
            _rates.Release(clientId);
        }
    }

    public void Dispose()
    {
        _addresses.Dispose();
        _rates.Dispose();
    }
}

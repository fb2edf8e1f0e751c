using System.Diagnostics.Metrics;
using IotAi.Grains;
using IotAi.Protocol;
using IotAi.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Mqtt;

/// <summary>The MQTT ingress's meters; tags are kinds and reasons, never device ids.</summary>
public sealed class GatewayTelemetry
{
    public const string MeterName = "IotAi.Gateway";

    /// <summary>Spans of the MQTT ingress: an uplink's arrival and its answer's publish.</summary>
    public const string SourceName = "IotAi.Gateway";

    internal static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _messagesOut;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _dropped;
    private readonly UpDownCounter<long> _connections;
    private readonly Histogram<double> _uplinkDuration;
    private readonly Counter<long> _modelBytes;
    private readonly Counter<long> _modelChunks;
    private long _packetsIn;

    private readonly TraceSamplingOptions _sampling;

    public GatewayTelemetry(IMeterFactory meterFactory, IOptions<TraceSamplingOptions>? sampling = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _sampling = sampling?.Value ?? new TraceSamplingOptions();
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        _messagesIn = meter.CreateCounter<long>("iotai.mqtt.messages.in", "{message}", "Device uplinks received");
        _messagesOut = meter.CreateCounter<long>("iotai.mqtt.messages.out", "{message}", "Downlinks published to devices");
        _refusals = meter.CreateCounter<long>("iotai.mqtt.refusals", "{message}", "Connects, publishes and subscribes refused");
        _dropped = meter.CreateCounter<long>("iotai.mqtt.messages.dropped", "{message}", "Downlinks not queued because the device's queue was full");
        _connections = meter.CreateUpDownCounter<long>("iotai.mqtt.connections", "{connection}", "Open MQTT connections");
        _uplinkDuration = meter.CreateHistogram<double>("iotai.mqtt.uplink.duration", "s", "From an uplink's arrival to its answer", advice: HistogramBuckets.Latency);
        _modelBytes = meter.CreateCounter<long>("iotai.ota.sent", "By", "Bytes of model files sent to devices in chunks");
        _modelChunks = meter.CreateCounter<long>("iotai.ota.chunks", "{chunk}", "Model-file chunks sent to devices");
        // Observed rather than added to per packet: one increment of a field is all a packet costs.
        meter.CreateObservableCounter("iotai.mqtt.packets.in", () => Volatile.Read(ref _packetsIn), "{packet}", "MQTT packets read whole from clients, before MQTTnet decodes them");
    }

    /// <summary>Whether an uplink that carries no trace of its device's starts one that is recorded.</summary>
    public bool StartsTrace() => _sampling.StartsTrace();

    /// <summary>MQTT packets read whole from clients so far.</summary>
    public long PacketsIn => Volatile.Read(ref _packetsIn);

    public void PacketRead() => Interlocked.Increment(ref _packetsIn);

    /// <summary>
    /// Counts model-file chunks and their bytes sent, by model: what over-the-air updates cost the network, head-only or
    /// whole; chunks beyond a file's count are devices asking again, after a break or for a file that arrived damaged.
    /// </summary>
    public void ChunksSent(int chunks, long bytes, string? model)
    {
        var tag = new KeyValuePair<string, object?>("iotai.model", model ?? "unknown");
        _modelChunks.Add(chunks, tag);
        _modelBytes.Add(bytes, tag);
    }

    public void Received(PayloadKind kind) => _messagesIn.Add(1, new KeyValuePair<string, object?>("iotai.payload.kind", TagValue.Of(kind)));

    public void Sent(string kind) => _messagesOut.Add(1, new KeyValuePair<string, object?>("iotai.downlink.kind", kind));

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("iotai.reason", reason));

    public void Dropped(string kind) => Dropped(kind, 1);

    public void Dropped(string kind, int count) => _dropped.Add(count, new KeyValuePair<string, object?>("iotai.downlink.kind", kind));

    public void Connected() => _connections.Add(1);

    public void Disconnected() => _connections.Add(-1);

    public void Answered(PayloadKind kind, TimeSpan elapsed) =>
        _uplinkDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("iotai.payload.kind", TagValue.Of(kind)));
}

using IotAi.ServiceDefaults;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using IotAi.Edge.Queue;
using IotAi.Protocol;
using MQTTnet;
using MQTTnet.Packets;

namespace IotAi.Edge;

/// <summary>
/// The edge agent's spans and meters. Spans: each uplink's publish (a producer span whose W3C context travels in
/// the message's <c>traceparent</c> user property) and the receipt of the cloud's answer (a consumer span under
/// the cloud's result publish), so one trace runs from the device through the cloud and back. Meters: what the
/// operator of one device asks of it, whether samples leave, how fast its model and the cloud answer, how full
/// its queue is and how often its link is down. Tags are kinds, outcomes, reasons and model names; the device id
/// is the resource's <c>service.instance.id</c>, never a tag. The names are <c>iotai.agent.*</c> because the
/// silo's <c>iotai.edge.*</c> are histograms, across the fleet, of what agents report in their twins.
/// </summary>
public sealed class EdgeTelemetry
{
    public const string SourceName = "IotAi.Edge";

    public const string MeterName = "IotAi.Edge";

    internal static readonly ActivitySource Source = new(SourceName);

    private readonly Counter<long> _uplinks;
    private readonly Counter<long> _reconnects;
    private readonly Histogram<double> _inferenceDuration;
    private readonly Histogram<double> _resultDuration;
    private volatile EdgeConnection? _connection;
    private long _connects;

    public EdgeTelemetry(IMeterFactory meterFactory, IOutbox outbox, JointInference joint)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(joint);
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        _uplinks = meter.CreateCounter<long>("iotai.agent.uplinks", "{message}", "Samples the agent published, by kind and outcome: acknowledged, refused, requeued (no answer from the broker; it goes again) or skipped (unreadable)");
        _reconnects = meter.CreateCounter<long>("iotai.agent.reconnects", "{connection}", "Times the agent connected again after losing its connection");
        _inferenceDuration = meter.CreateHistogram<double>("iotai.agent.inference.duration", "s", "From a sample to the local model's answer, reading the sample included", advice: HistogramBuckets.Latency);
        _resultDuration = meter.CreateHistogram<double>("iotai.agent.result.duration", "s", "From an uplink's publish to the cloud's answer", advice: HistogramBuckets.Latency);
        meter.CreateObservableGauge("iotai.agent.queue.depth", () => outbox.Statistics.Depth, "{sample}", "Samples in the queue, waiting or in flight");
        meter.CreateObservableGauge("iotai.agent.queue.size", () => outbox.Statistics.Bytes, "By", "Payload bytes the queue holds");
        meter.CreateObservableGauge("iotai.agent.disk.size", () => outbox.Statistics.DiskBytes, "By", "Bytes the queue's files take on disk");
        meter.CreateObservableCounter("iotai.agent.queue.evictions", () => Evictions(outbox.Statistics), "{sample}", "Samples the queue let go unsent since it was created, by reason (space, expired) and priority");
        meter.CreateObservableCounter("iotai.agent.offline.time", () => OfflineSeconds(), "s", "Time without a connection since the agent started, the outage in progress included");
        meter.CreateObservableCounter("iotai.agent.samples", () => Routes(joint), "{sample}", "Samples past the local model, by route: answered locally, or escalated to the cloud's model");
    }

    /// <summary>The span context a message carries in its <c>traceparent</c> (and <c>tracestate</c>) user properties, if any.</summary>
    internal static ActivityContext ContextOf(MqttApplicationMessage message)
    {
        var parent = message.UserProperties?.FirstOrDefault(static p => p.Name == UserProperties.TraceParent)?.ReadValueAsString();
        var state = message.UserProperties?.FirstOrDefault(static p => p.Name == UserProperties.TraceState)?.ReadValueAsString();
        return ActivityContext.TryParse(parent, state, out var context) ? context : default;
    }

    /// <summary>Reads time offline from <paramref name="connection"/> and counts its reconnections from now on.</summary>
    internal void Watch(EdgeConnection connection)
    {
        _connection = connection;
        connection.Connected += (_, _) =>
        {
            if (Interlocked.Increment(ref _connects) > 1)
            {
                _reconnects.Add(1);
            }
        };
    }

    internal void Uplink(PayloadKind kind, UplinkOutcome outcome) =>
        _uplinks.Add(1, new("iotai.payload.kind", kind.ToString()), new("iotai.outcome", Name(outcome)));

    internal void InferredLocally(string model, TimeSpan took) =>
        _inferenceDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("iotai.model", model));

    internal void Answered(TimeSpan sinceSent) => _resultDuration.Record(sinceSent.TotalSeconds);

    private static string Name(UplinkOutcome outcome) => outcome switch
    {
        UplinkOutcome.Acknowledged => "acknowledged",
        UplinkOutcome.Refused => "refused",
        UplinkOutcome.Requeued => "requeued",
        _ => "skipped",
    };

    private IEnumerable<Measurement<double>> OfflineSeconds() =>
        _connection is { } connection ? [new Measurement<double>(connection.OfflineTime.TotalSeconds)] : [];

    private static IEnumerable<Measurement<long>> Evictions(OutboxStatistics statistics) =>
    [
        .. statistics.EvictedForSpace.Select(static e => Evicted(e.Value, "space", e.Key)),
        .. statistics.Expired.Select(static e => Evicted(e.Value, "expired", e.Key)),
    ];

    private static Measurement<long> Evicted(long count, string reason, SamplePriority priority) =>
        new(count, new KeyValuePair<string, object?>("iotai.reason", reason), new KeyValuePair<string, object?>("iotai.priority", priority.ToString()));

    private static IEnumerable<Measurement<long>> Routes(JointInference joint) =>
    [
        new(joint.AnsweredLocally, new KeyValuePair<string, object?>("iotai.route", "local")),
        new(joint.Escalated, new KeyValuePair<string, object?>("iotai.route", "escalated")),
    ];
}

/// <summary>How one publish of an uplink ended, as <see cref="EdgeTelemetry"/> counts it.</summary>
internal enum UplinkOutcome
{
    /// <summary>The broker has it.</summary>
    Acknowledged,

    /// <summary>The broker refused it for good.</summary>
    Refused,

    /// <summary>The broker did not answer: it went back to the queue, to go again once connected.</summary>
    Requeued,

    /// <summary>Its source produced something unreadable; it was dropped.</summary>
    Skipped,
}

using IotAi.ServiceDefaults;
using System.Diagnostics.Metrics;
using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>Device grain meters, tagged by payload kind and outcome: never by device id.</summary>
public sealed class DeviceTelemetry
{
    public const string MeterName = "IotAi.Devices";

    /// <summary>Spans of the device grains: one per uplink a grain handles.</summary>
    public const string SourceName = "IotAi.Devices";

    internal static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    private readonly Counter<long> _uplinks;
    private readonly Histogram<double> _queueDepth;
    private readonly Histogram<double> _queueBytes;
    private readonly Histogram<double> _diskBytes;
    private readonly Histogram<double> _offline;
    private readonly UpDownCounter<long> _fleet;
    private readonly Counter<long> _graded;

    public DeviceTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The meter factory owns the meter: it is disposed with the host.
        var meter = meterFactory.Create(MeterName);
        _uplinks = meter.CreateCounter<long>("iotai.device.uplinks", "{message}", "Uplinks handled by device grains");
        _queueDepth = meter.CreateHistogram<double>("iotai.edge.queue.depth", "{sample}", "Samples waiting in an edge agent's queue, as its twin reports", advice: HistogramBuckets.Count);
        _queueBytes = meter.CreateHistogram<double>("iotai.edge.queue.size", "By", "Bytes an edge agent's queue holds, as its twin reports", advice: HistogramBuckets.Bytes);
        _diskBytes = meter.CreateHistogram<double>("iotai.edge.disk.size", "By", "Bytes of disk an edge agent's queue file takes, as its twin reports", advice: HistogramBuckets.Bytes);
        _offline = meter.CreateHistogram<double>("iotai.edge.offline.duration", "s", "How long an edge agent had been offline, as its twin reports", advice: HistogramBuckets.LongDuration);
        _fleet = meter.CreateUpDownCounter<long>("iotai.fleet.devices", "{device}",
            "Devices active on this silo, by the model version that answers them and where it runs; summed over silos, the fleet's share per version");
        _graded = meter.CreateCounter<long>("iotai.model.answers.graded", "{answer}",
            "Answers whose ground truth is known, by model version, where it ran and whether it was right: accuracy is the right ones' share");
    }

    /// <summary>A device grain now counts under <paramref name="running"/> (<paramref name="delta"/> 1) or no longer does (-1).</summary>
    public void Fleet(RunningModel running, int delta) => _fleet.Add(delta,
        new("iotai.model", running.Model), new("iotai.model.version", running.Version), new("iotai.inference.site", running.Site));

    /// <summary>Counts <paramref name="count"/> answers of a model version checked against the truth.</summary>
    public void Graded(string model, string version, string site, bool correct, long count = 1)
    {
        if (count > 0)
        {
            _graded.Add(count, new("iotai.model", model), new("iotai.model.version", version), new("iotai.inference.site", site), new("iotai.answer.correct", correct));
        }
    }

    /// <summary>
    /// Records the health an edge agent reports in its twin: the fleet's distribution of queue depths, sizes and
    /// time offline, for the operator's question "is the fleet healthy?" without a tag per device.
    /// </summary>
    public void EdgeHealth(IReadOnlyDictionary<string, string> reported)
    {
        ArgumentNullException.ThrowIfNull(reported);
        Record(_queueDepth, reported, "queueDepth");
        Record(_queueBytes, reported, "queueBytes");
        Record(_diskBytes, reported, "diskBytes");
        Record(_offline, reported, "offlineSeconds");
    }

    public void Uplink(PayloadKind kind, UplinkOutcome outcome) =>
        _uplinks.Add(1, new("iotai.payload.kind", TagValue.Of(kind)), new("iotai.outcome", TagValue.Of(outcome)));

    private static void Record(Histogram<double> histogram, IReadOnlyDictionary<string, string> reported, string name)
    {
        if (reported.TryGetValue(name, out var text) && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            histogram.Record(value);
        }
    }
}

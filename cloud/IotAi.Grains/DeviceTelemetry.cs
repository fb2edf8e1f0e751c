using System.Diagnostics.Metrics;
using IotAi.Protocol;

namespace IotAi.Grains;

/// <summary>Device grain meters, tagged by payload kind and outcome: never by device id.</summary>
public sealed class DeviceTelemetry : IDisposable
{
    public const string MeterName = "IotAi.Devices";

    /// <summary>Spans of the device grains: one per uplink a grain handles.</summary>
    public const string SourceName = "IotAi.Devices";

    internal static readonly System.Diagnostics.ActivitySource Source = new(SourceName);

    private readonly Meter _meter;
    private readonly Counter<long> _uplinks;

    public DeviceTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _uplinks = _meter.CreateCounter<long>("iotai.device.uplinks", "{message}", "Uplinks handled by device grains");
    }

    public void Uplink(PayloadKind kind, UplinkOutcome outcome) =>
        _uplinks.Add(1, new("iotai.payload.kind", kind), new("iotai.outcome", outcome));

    public void Dispose() => _meter.Dispose();
}

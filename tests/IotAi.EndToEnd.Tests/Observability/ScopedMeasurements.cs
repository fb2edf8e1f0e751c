using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace IotAi.EndToEnd.Tests.Observability;

/// <summary>
/// Every measurement of the named instruments made through one host's <see cref="IMeterFactory"/>, so a test
/// counts its own silo's figures however many other silos run in the process.
/// </summary>
internal sealed class ScopedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public ScopedMeasurements(IMeterFactory scope, params string[] instruments)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope) && instruments.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements whose tags include <paramref name="tag"/> (any, when null).</summary>
    public double Sum(string instrument, (string Key, string Value)? tag = null) => Matching(instrument, tag).Sum(static m => m.Value);

    /// <summary>How many measurements an instrument took (for a histogram: its count).</summary>
    public int Count(string instrument, (string Key, string Value)? tag = null) => Matching(instrument, tag).Count();

    public void Dispose() => _listener.Dispose();

    private IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Matching(string instrument, (string Key, string Value)? tag) =>
        _measurements.Where(m => m.Instrument == instrument
            && (tag is not { } t || (m.Tags.TryGetValue(t.Key, out var value) && value?.ToString() == t.Value)));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace IotAi.Tests.Shared;

/// <summary>
/// Every measurement of the named instruments made through one host's <see cref="IMeterFactory"/>, so a test
/// counts its own silo's figures however many other silos run in the process.
/// </summary>
internal sealed class ScopedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly Lock _observing = new();
    private List<(string Instrument, double Value, Dictionary<string, object?> Tags)>? _observed;

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

    /// <summary>The sum of an instrument's measurements whose tags include every one of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) => Matching(_measurements, instrument, tags).Sum(static m => m.Value);

    /// <summary>How many measurements an instrument took (for a histogram: its count) with every one of <paramref name="tags"/>.</summary>
    public int Count(string instrument, params (string Key, string Value)[] tags) => Matching(_measurements, instrument, tags).Count();

    /// <summary>
    /// What an observable instrument shows now: the sum of its measurements whose tags include every one of
    /// <paramref name="tags"/>, or null when none does.
    /// </summary>
    public double? Gauge(string instrument, params (string Key, string Value)[] tags)
    {
        List<(string Instrument, double Value, Dictionary<string, object?> Tags)> observed;
        lock (_observing)
        {
            _observed = [];
            _listener.RecordObservableInstruments();
            (observed, _observed) = (_observed, null);
        }

        var matching = Matching(observed, instrument, tags).ToList();
        return matching.Count == 0 ? null : matching.Sum(static m => m.Value);
    }

    public void Dispose() => _listener.Dispose();

    private static IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Matching(
        IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> measurements, string instrument, (string Key, string Value)[] tags) =>
        measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var value) && value?.ToString() == t.Value));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        if (instrument.IsObservable)
        {
            _observed?.Add((instrument.Name, value, copy));
            return;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}

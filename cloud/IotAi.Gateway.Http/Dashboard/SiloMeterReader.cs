using System.Diagnostics.Metrics;

namespace IotAi.Gateway.Http.Dashboard;

/// <summary>
/// Listens to this silo's own gateway and inference meters, in process, for the dashboard: uplinks received, open
/// connections, and the uplink and inference durations recorded since the last <see cref="Take"/>. Only meters made by
/// this silo's <see cref="IMeterFactory"/> count, so silos sharing a process (as tests run them) do not see each other.
/// </summary>
internal sealed class SiloMeterReader : IDisposable
{
    /// <summary>The most durations kept between two samples; past it, the newest overwrite the oldest.</summary>
    public const int MaxDurations = 4096;

    private readonly MeterListener _listener = new();
    private readonly DurationWindow _uplinks = new(MaxDurations);
    private readonly DurationWindow _inference = new(MaxDurations);
    private long _messagesIn;
    private long _connections;

    public SiloMeterReader(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name is
                "iotai.mqtt.messages.in" or "iotai.mqtt.connections" or "iotai.mqtt.uplink.duration" or "iotai.inference.batch.duration")
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, _, state) => ((SiloMeterReader)state!).Count(instrument.Name, value));
        _listener.SetMeasurementEventCallback<double>(static (instrument, value, _, state) => ((SiloMeterReader)state!).Time(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>Every uplink this silo has received since it started.</summary>
    public long MessagesIn => Interlocked.Read(ref _messagesIn);

    /// <summary>The MQTT connections open on this silo now.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>The uplink and inference duration percentiles since the last call, in milliseconds; null where nothing was timed.</summary>
    public (Percentiles? Uplink, Percentiles? Inference) Take() => (_uplinks.Take(), _inference.Take());

    public void Dispose() => _listener.Dispose();

    private void Count(string name, long value)
    {
        if (name == "iotai.mqtt.messages.in")
        {
            Interlocked.Add(ref _messagesIn, value);
        }
        else
        {
            Interlocked.Add(ref _connections, value);
        }
    }

    private void Time(string name, double seconds) => (name == "iotai.mqtt.uplink.duration" ? _uplinks : _inference).Add(seconds * 1000);

    /// <summary>A bounded ring of the durations recorded since it was last taken.</summary>
    private sealed class DurationWindow(int capacity)
    {
        private readonly double[] _values = new double[capacity];
        private int _count;
        private int _next;

        public void Add(double milliseconds)
        {
            lock (_values)
            {
                _values[_next] = milliseconds;
                _next = (_next + 1) % _values.Length;
                _count = Math.Min(_count + 1, _values.Length);
            }
        }

        public Percentiles? Take()
        {
            double[] taken;
            lock (_values)
            {
                taken = _values[.._count];
                _count = 0;
                _next = 0;
            }

            if (taken.Length == 0)
            {
                return null;
            }

            Array.Sort(taken);
            return new Percentiles(At(taken, 0.50), At(taken, 0.95), taken.Length);
        }

        private static double At(double[] sorted, double quantile) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(quantile * sorted.Length))];
    }
}

/// <summary>The median and 95th percentile of some durations, in milliseconds, and how many there were.</summary>
internal sealed record Percentiles(double P50, double P95, int Count);

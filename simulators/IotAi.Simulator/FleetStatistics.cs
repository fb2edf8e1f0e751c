using System.Collections.Concurrent;
using System.Diagnostics;
using IotAi.Protocol;

namespace IotAi.Simulator;

/// <summary>
/// Counters every device writes to at once: plain <see cref="Interlocked"/> updates, so recording costs no lock
/// on the send and receive paths. Latency goes into a fixed-size histogram, so memory stays flat on long runs.
/// </summary>
public sealed class FleetStatistics
{
    private readonly KindCounters _telemetry = new();
    private readonly KindCounters _image = new();
    private readonly ConcurrentDictionary<string, long> _errorsByCode = new(StringComparer.Ordinal);
    private readonly Lock _snapshotLock = new();
    private long _started = Stopwatch.GetTimestamp();
    private long _previousTimestamp;
    private long _previousResults;
    private long _previousSent;
    private int _devicesConnected;
    private long _errors;
    private long _timeouts;
    private long _outstanding;
    private long _refused;
    private long _sendFailures;
    private long _throttled;
    private long _unmatched;
    private long _connectionsLost;
    private long _reconnects;
    private long _resent;
    private long _paused;

    public FleetStatistics() => _previousTimestamp = _started;

    /// <summary>Round trip: from publishing an uplink to receiving its answer.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>The time the gateway says it spent in its model host, from each result's <c>inferenceMs</c>.</summary>
    public LatencyHistogram Inference { get; } = new();

    /// <summary>
    /// Reads every counter. Each call also closes an interval: the interval rate covers the time since the
    /// previous call, so one reader (the console loop) should own the calls.
    /// </summary>
    public FleetSnapshot Snapshot()
    {
        lock (_snapshotLock)
        {
            var now = Stopwatch.GetTimestamp();
            var elapsed = Stopwatch.GetElapsedTime(Volatile.Read(ref _started), now);
            var interval = Stopwatch.GetElapsedTime(_previousTimestamp, now);
            var telemetry = _telemetry.Snapshot();
            var image = _image.Snapshot();
            var results = telemetry.Results + image.Results;
            var intervalResults = results - _previousResults;
            var sent = telemetry.Sent + image.Sent;
            var intervalSent = sent - _previousSent;
            _previousTimestamp = now;
            _previousResults = results;
            _previousSent = sent;

            return new FleetSnapshot
            {
                Elapsed = elapsed,
                DevicesConnected = Volatile.Read(ref _devicesConnected),
                Sent = telemetry.Sent + image.Sent,
                Results = results,
                Errors = Interlocked.Read(ref _errors),
                Timeouts = Interlocked.Read(ref _timeouts),
                Outstanding = Outstanding,
                Refused = Interlocked.Read(ref _refused),
                SendFailures = Interlocked.Read(ref _sendFailures),
                Throttled = Interlocked.Read(ref _throttled),
                Unmatched = Interlocked.Read(ref _unmatched),
                SentPerSecond = Rate(telemetry.Sent + image.Sent, elapsed),
                ResultsPerSecond = Rate(results, elapsed),
                IntervalResults = intervalResults,
                IntervalResultsPerSecond = Rate(intervalResults, interval),
                IntervalSentPerSecond = Rate(intervalSent, interval),
                ConnectionsLost = Interlocked.Read(ref _connectionsLost),
                Reconnects = Interlocked.Read(ref _reconnects),
                Resent = Interlocked.Read(ref _resent),
                Paused = Interlocked.Read(ref _paused),
                Latency = Latency.Summarize(),
                InferenceLatency = Inference.Summarize(),
                Accuracy = telemetry.Graded + image.Graded == 0 ? null : (double)(telemetry.Correct + image.Correct) / (telemetry.Graded + image.Graded),
                Telemetry = telemetry,
                Image = image,
                ErrorsByCode = new SortedDictionary<string, long>(_errorsByCode, StringComparer.Ordinal),
            };
        }
    }

    internal long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Restarts the clock when sending begins, so connecting a large fleet does not dilute the rates.</summary>
    internal void Start()
    {
        lock (_snapshotLock)
        {
            var now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _started, now);
            _previousTimestamp = now;
        }
    }

    internal void DeviceConnected() => Interlocked.Increment(ref _devicesConnected);

    internal void DeviceDisconnected() => Interlocked.Decrement(ref _devicesConnected);

    /// <summary>A connection lost without the device asking: a storm, a broker restart, a network fault.</summary>
    internal void ConnectionLost() => Interlocked.Increment(ref _connectionsLost);

    internal void Reconnected() => Interlocked.Increment(ref _reconnects);

    /// <summary>An unanswered uplink sent again on a new connection; it stays one uplink in the counts.</summary>
    internal void Resending() => Interlocked.Increment(ref _resent);

    /// <summary>A tick a paused device let pass without sending.</summary>
    internal void PausedTick() => Interlocked.Increment(ref _paused);

    /// <summary>Called before the publish, because the reply can arrive before the PUBACK does.</summary>
    internal void Sending(PayloadKind kind)
    {
        Interlocked.Increment(ref For(kind).Sent);
        Interlocked.Increment(ref _outstanding);
    }

    internal void Result(PayloadKind kind, bool correct, TimeSpan latency)
    {
        var counters = For(kind);
        // Results, then Graded, then Correct; a snapshot reads them the other way round, so it never sees more
        // correct than graded, or more graded than answered.
        Settle(counters, latency);
        Interlocked.Increment(ref counters.Graded);
        if (correct)
        {
            Interlocked.Increment(ref counters.Correct);
        }
    }

    private void Settle(KindCounters counters, TimeSpan latency)
    {
        Interlocked.Increment(ref counters.Results);
        Latency.Record(latency);
        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>An uplink answered by its PUBACK or its echo: counted and timed, with nothing to grade.</summary>
    internal void Delivered(PayloadKind kind, TimeSpan latency) => Settle(For(kind), latency);

    internal void Error(string code)
    {
        _errorsByCode.AddOrUpdate(code, 1, static (_, count) => count + 1);
        Interlocked.Increment(ref _errors);
        Interlocked.Decrement(ref _outstanding);
    }

    internal void TimedOut(int count)
    {
        Interlocked.Add(ref _timeouts, count);
        Interlocked.Add(ref _outstanding, -count);
    }

    internal void SendFailed()
    {
        Interlocked.Increment(ref _sendFailures);
        Interlocked.Decrement(ref _outstanding);
    }

    internal void Refused() => Interlocked.Increment(ref _refused);

    internal void Throttled() => Interlocked.Increment(ref _throttled);

    internal void Unmatched() => Interlocked.Increment(ref _unmatched);

    private KindCounters For(PayloadKind kind) => kind == PayloadKind.Image ? _image : _telemetry;

    private static double Rate(long count, TimeSpan over) => over > TimeSpan.Zero ? count / over.TotalSeconds : 0;

    // Fields, not properties, so Interlocked can take them by reference.
    private sealed class KindCounters
    {
        public long Sent;
        public long Results;
        public long Correct;

        /// <summary>Results whose label could be checked: gateway results, not PUBACKs or echoes.</summary>
        public long Graded;

        public KindSnapshot Snapshot()
        {
            var correct = Interlocked.Read(ref Correct);
            var graded = Interlocked.Read(ref Graded);
            var results = Interlocked.Read(ref Results);
            return new KindSnapshot(Interlocked.Read(ref Sent), results, correct, graded, graded == 0 ? null : (double)correct / graded);
        }
    }
}

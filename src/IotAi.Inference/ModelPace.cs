namespace IotAi.Inference;

/// <summary>
/// How long a model has lately taken per sample, for judging how long a queue of samples would wait. It is the time
/// of the last <see cref="Window"/> samples over their number, each batch counting by its samples, so one batch that
/// the machine stalled (a collection, a preempted thread on a busy core) moves the pace by its share of the window,
/// not by an eighth as a per-batch average did: one batch of one sample stalled 100 ms there made a sensor model that
/// answers in microseconds look 12 ms a sample, and a thousand queued readings were refused as five seconds of work.
/// Not thread-safe for writers: one batch runs at a time, and only the batch loop records.
/// </summary>
internal sealed class ModelPace
{
    /// <summary>Samples the pace is judged over: the more, the less one batch moves it, the slower it follows a real change.</summary>
    public const double Window = 256;

    private double _ticks;
    private double _samples;
    private long _ticksPerSample;

    /// <summary>Stopwatch ticks per sample; 0 before the first batch.</summary>
    public long TicksPerSample => Volatile.Read(ref _ticksPerSample);

    /// <summary>One batch of <paramref name="samples"/> took <paramref name="ticks"/>: older batches fade by its share of the window.</summary>
    public void Record(long ticks, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var keep = Math.Max(0, 1 - (samples / Window));
        _ticks = (_ticks * keep) + ticks;
        _samples = (_samples * keep) + samples;
        Volatile.Write(ref _ticksPerSample, (long)(_ticks / _samples));
    }

    /// <summary>Whether <paramref name="ahead"/> samples at the recent pace are more than <paramref name="maxWaitTicks"/> of work.</summary>
    public bool TooLong(int ahead, long maxWaitTicks) => ahead > 0 && ahead * TicksPerSample > maxWaitTicks;
}

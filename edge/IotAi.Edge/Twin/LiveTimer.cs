namespace IotAi.Edge.Twin;

/// <summary>A periodic timer whose period follows a <see cref="LiveSettings"/> value: a change retimes it at once.</summary>
internal sealed class LiveTimer : IDisposable
{
    private readonly LiveSettings _settings;
    private readonly Func<LiveSettings, TimeSpan> _period;
    private readonly PeriodicTimer _timer;

    public LiveTimer(LiveSettings settings, Func<LiveSettings, TimeSpan> period, TimeProvider timeProvider)
    {
        _settings = settings;
        _period = period;
        _timer = new PeriodicTimer(period(settings), timeProvider);
        settings.Changed += OnChanged;
    }

    public ValueTask<bool> WaitForNextTickAsync(CancellationToken cancellationToken) => _timer.WaitForNextTickAsync(cancellationToken);

    public void Dispose()
    {
        _settings.Changed -= OnChanged;
        _timer.Dispose();
    }

    // Setting the period reschedules the next tick from now, so a long wait does not delay the new rate.
    private void OnChanged(object? sender, EventArgs e)
    {
        var period = _period(_settings);
        if (period != _timer.Period)
        {
            _timer.Period = period;
        }
    }
}

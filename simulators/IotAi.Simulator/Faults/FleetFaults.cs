namespace IotAi.Simulator.Faults;

/// <summary>
/// What goes wrong during a run, on purpose: disconnect storms, slow links and pauses. With any of them, or
/// <see cref="Reconnect"/>, a device that loses its connection reconnects with backoff and sends again what
/// was not answered, so a fault costs time and never data.
/// </summary>
public sealed class FleetFaults
{
    public IList<DisconnectStorm> Storms { get; init; } = [];

    public IList<DevicePause> Pauses { get; init; } = [];

    public SlowLink? SlowLink { get; set; }

    /// <summary>Reconnect after a lost connection even without planned faults (a broker restart, a flaky network).</summary>
    public bool Reconnect { get; set; }

    /// <summary>The first wait before reconnecting; each failed attempt doubles it, up to <see cref="MaxReconnectDelay"/>, with jitter.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether devices reconnect: asked for, or needed by a planned fault.</summary>
    public bool Reconnects => Reconnect || Storms.Count > 0 || Pauses.Count > 0 || SlowLink is not null;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Storms);
        ArgumentNullException.ThrowIfNull(Pauses);
        foreach (var storm in Storms)
        {
            storm.Validate();
        }

        foreach (var pause in Pauses)
        {
            pause.Validate();
        }

        SlowLink?.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReconnectDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReconnectDelay, ReconnectDelay);
    }

    /// <summary>The wait before reconnect attempt <paramref name="attempt"/> (from 1): doubling, capped, with full jitter so a storm's devices do not return in lockstep.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxReconnectDelay.TotalMilliseconds, ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }
}

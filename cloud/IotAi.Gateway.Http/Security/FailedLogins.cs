namespace IotAi.Gateway.Http.Security;

/// <summary>
/// Failed logins counted per subject (a client address, or the digest of a presented key), the way ASP.NET Core
/// Identity counts them per account: failures within a window that starts at the first, and at the limit a lockout
/// that lasts a window from the failure that reached it. A lockout, not a rate limit: System.Threading.RateLimiting
/// meters every acquisition on a clock of its own, where this counts failures only, tells a locked-out subject how
/// long is left without spending anything, and follows the host's <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// The table never holds more than <c>capacity</c> subjects. When it is full, those whose window has passed go first,
/// then a tenth of the rest, those not locked out and nearest their end before any locked out: a spray of made-up keys
/// from many addresses costs a bounded table, and cannot push a locked-out subject out to free it.
/// </remarks>
internal sealed class FailedLogins<TSubject>(int allowed, TimeSpan window, int capacity, TimeProvider clock)
    where TSubject : notnull
{
    private readonly Dictionary<TSubject, Tally> _tallies = [];
    private readonly Lock _gate = new();

    /// <summary>How many subjects are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _tallies.Count;
            }
        }
    }

    /// <summary>How long <paramref name="subject"/> stays locked out, or null when it is not.</summary>
    public TimeSpan? LockedFor(TSubject subject)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            return _tallies.TryGetValue(subject, out var tally) && tally.Failures >= allowed && now < tally.Ends ? tally.Ends - now : null;
        }
    }

    /// <summary>Counts a failure of <paramref name="subject"/>; true when this is the failure that locks it out, so once a lockout.</summary>
    public bool Fail(TSubject subject)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (!_tallies.TryGetValue(subject, out var tally))
            {
                MakeRoom(now);
            }

            tally = now < tally.Ends ? tally with { Failures = tally.Failures + 1 } : new Tally(1, now + window);
            var locks = tally.Failures == allowed;
            _tallies[subject] = locks ? tally with { Ends = now + window } : tally;
            return locks;
        }
    }

    private void MakeRoom(DateTimeOffset now)
    {
        if (_tallies.Count < capacity)
        {
            return;
        }

        foreach (var (subject, tally) in _tallies)
        {
            if (now >= tally.Ends)
            {
                _tallies.Remove(subject);
            }
        }

        if (_tallies.Count < capacity)
        {
            return;
        }

        // A tenth at a time, so a full table under a spray sorts once every capacity/10 new subjects, not at each.
        var evicted = _tallies.OrderBy(t => t.Value.Failures >= allowed).ThenBy(static t => t.Value.Ends)
            .Take(Math.Max(1, capacity / 10)).Select(static t => t.Key).ToList();
        foreach (var subject in evicted)
        {
            _tallies.Remove(subject);
        }
    }

    /// <summary>Failures since the window began, and when the window, or the lockout, ends.</summary>
    private readonly record struct Tally(int Failures, DateTimeOffset Ends);
}

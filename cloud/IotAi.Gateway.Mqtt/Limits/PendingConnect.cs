namespace IotAi.Gateway.Mqtt.Limits;

/// <summary>
/// A socket accepted but not yet past its CONNECT, with the deadline for it: when the deadline passes first, the socket
/// is closed. Whichever of the two comes first wins, once.
/// </summary>
internal sealed class PendingConnect : IDisposable
{
    private const int Waiting = 0;
    private const int Arrived = 1;
    private const int Expired = 2;

    private readonly ITimer _deadline;
    private readonly Action _expired;
    private int _state;

    public PendingConnect(TimeProvider clock, TimeSpan timeout, Action expired)
    {
        _expired = expired;
        _deadline = clock.CreateTimer(static state => ((PendingConnect)state!).Expire(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the CONNECT never arrived (yet, or in time): the socket still counts as pending.</summary>
    public bool IsPending => Volatile.Read(ref _state) != Arrived;

    /// <summary>The whole CONNECT arrived; true when it came before the deadline.</summary>
    public bool Arrive()
    {
        if (Interlocked.CompareExchange(ref _state, Arrived, Waiting) != Waiting)
        {
            return false;
        }

        _deadline.Dispose();
        return true;
    }

    public void Dispose() => _deadline.Dispose();

    private void Expire()
    {
        if (Interlocked.CompareExchange(ref _state, Expired, Waiting) == Waiting)
        {
            _expired();
        }
    }
}

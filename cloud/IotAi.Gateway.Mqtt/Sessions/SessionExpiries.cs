using System.Collections;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace IotAi.Gateway.Mqtt.Sessions;

/// <summary>
/// Ends MQTT 5 sessions when their Session Expiry Interval has passed since their connection closed; MQTTnet keeps
/// a session it was told to keep for ever. The interval is the DISCONNECT's when the client sent one, else the
/// CONNECT's. A session whose client came back meanwhile is left alone (<see cref="SessionClock"/>), and so is one
/// replaced by a clean start. Both follow MQTTnet's connected and disconnected events, which carry the session's items.
/// </summary>
internal sealed partial class SessionExpiries(TimeProvider time, ILogger logger) : IDisposable
{
    /// <summary>An interval of 0xFFFFFFFF means the session never expires (MQTT 5, 3.1.2.11.2).</summary>
    private const uint Never = uint.MaxValue;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly PriorityQueue<(string ClientId, SessionClock Clock, long Token), long> _due = new();
    private readonly CancellationTokenSource _stopping = new();
    private MqttServer? _server;

    public void Start(MqttServer server)
    {
        _server = server;
        _ = RunAsync(_stopping.Token);
    }

    /// <summary>An MQTT 5 client connected: its session's clock counts the connection in.</summary>
    public static void Connected(IDictionary sessionItems) => SessionClock.Of(sessionItems).Opened();

    /// <summary>
    /// A connection of <paramref name="clientId"/> ended; unless another took it over, its session is to go after
    /// <paramref name="seconds"/>. At 0 MQTTnet has deleted the session already, unless the client's DISCONNECT gave 0
    /// after a CONNECT that gave more: MQTTnet reads that 0 as absent and keeps the session, which goes at the next sweep.
    /// </summary>
    public void Disconnected(string clientId, IDictionary sessionItems, bool takenOver, uint seconds)
    {
        if (sessionItems[SessionClock.Key] is not SessionClock clock)
        {
            // Not an MQTT 5 session.
            return;
        }

        var end = clock.Ended();
        if (takenOver || seconds == Never)
        {
            return;
        }

        lock (_due)
        {
            _due.Enqueue((clientId, clock, end), time.GetUtcNow().ToUnixTimeMilliseconds() + (seconds * 1000L));
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Tick, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var (clientId, clock, token) in TakeDue())
            {
                if (clock.StillAway(token) && Session(clientId) is { } session && ReferenceEquals(session.Items[SessionClock.Key], clock))
                {
                    await session.DeleteAsync();
                    LogExpired(clientId);
                }
            }
        }
    }

    private List<(string ClientId, SessionClock Clock, long Token)> TakeDue()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var due = new List<(string, SessionClock, long)>();
        lock (_due)
        {
            while (_due.TryPeek(out var next, out var at) && at <= now)
            {
                due.Add(next);
                _due.Dequeue();
            }
        }

        return due;
    }

    private MqttSessionStatus? Session(string clientId)
    {
        try
        {
            return _server!.GetSessionAsync(clientId).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // No such session, or the broker is stopping (its sessions go with it).
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The MQTT session of {ClientId} expired")]
    private partial void LogExpired(string clientId);
}

using System.Text.Json.Serialization;

namespace IotAi.Simulator;

/// <summary>The fleet's counters at one moment; rates are per second, accuracy is null until a result arrives.</summary>
public sealed record FleetSnapshot
{
    /// <summary>Time since the devices started sending; JSON carries it as <see cref="ElapsedSeconds"/>.</summary>
    [JsonIgnore]
    public TimeSpan Elapsed { get; init; }

    public double ElapsedSeconds => Elapsed.TotalSeconds;

    public required int DevicesConnected { get; init; }

    /// <summary>Uplinks published (including those that were later refused, failed or timed out).</summary>
    public required long Sent { get; init; }

    /// <summary>Inference results matched to an uplink.</summary>
    public required long Results { get; init; }

    /// <summary>Error replies matched to an uplink; see <see cref="ErrorsByCode"/>.</summary>
    public required long Errors { get; init; }

    /// <summary>Uplinks that got no reply within the result timeout, or by the end of the run.</summary>
    public required long Timeouts { get; init; }

    /// <summary>Uplinks sent and not yet answered.</summary>
    public required long Outstanding { get; init; }

    /// <summary>Publishes the gateway refused with a failing PUBACK (an error reply usually follows).</summary>
    public required long Refused { get; init; }

    /// <summary>Publishes that threw, for example on a lost connection.</summary>
    public required long SendFailures { get; init; }

    /// <summary>Ticks skipped because a device had its maximum in flight.</summary>
    public required long Throttled { get; init; }

    /// <summary>Replies that matched no outstanding uplink: late, duplicated or unreadable.</summary>
    public required long Unmatched { get; init; }

    public required double SentPerSecond { get; init; }

    /// <summary>Results per second over the whole run.</summary>
    public required double ResultsPerSecond { get; init; }

    /// <summary>Results since the previous snapshot.</summary>
    public required long IntervalResults { get; init; }

    /// <summary>Results per second since the previous snapshot (since the start for the first).</summary>
    public required double IntervalResultsPerSecond { get; init; }

    /// <summary>Uplinks sent per second since the previous snapshot.</summary>
    public double IntervalSentPerSecond { get; init; }

    /// <summary>Connections lost without the device closing them (storms, broker restarts, network faults).</summary>
    public long ConnectionsLost { get; init; }

    /// <summary>Connections a device opened again after losing one.</summary>
    public long Reconnects { get; init; }

    /// <summary>Unanswered uplinks sent again after a reconnect; each is still one uplink in <see cref="Sent"/>.</summary>
    public long Resent { get; init; }

    /// <summary>Ticks that paused devices let pass without sending.</summary>
    public long Paused { get; init; }

    public required LatencyPercentiles Latency { get; init; }

    /// <summary>Time spent in the gateway's model host, as each result reports it.</summary>
    public required LatencyPercentiles InferenceLatency { get; init; }

    /// <summary>The fraction of results whose label matched the generator's truth.</summary>
    public required double? Accuracy { get; init; }

    public required KindSnapshot Telemetry { get; init; }

    public required KindSnapshot Image { get; init; }

    public required IReadOnlyDictionary<string, long> ErrorsByCode { get; init; }
}

/// <summary>Counters for one payload kind.</summary>
public sealed record KindSnapshot(long Sent, long Results, long Correct, long Graded, double? Accuracy);

using System.Globalization;
using IotAi.Simulator;

namespace IotAi.Cli;

/// <summary>
/// What the live view shows of the learning loop: the fleet's accuracy per five seconds, and what happened when:
/// the drift, the silo's training runs and rollouts (from <see cref="ISiloEvents"/>), the fall and the recovery.
/// One reader (the view's loop) calls <see cref="ObserveAsync"/> once a tick.
/// </summary>
internal sealed class LearningLoopWatch(Fleet fleet, ISiloEvents silo)
{
    public static readonly TimeSpan BucketWidth = TimeSpan.FromSeconds(5);

    private readonly List<LoopEvent> _events = [];
    private bool _saidDrift;
    private bool _saidFall;
    private bool _saidRecovery;

    public AccuracyTimeline Timeline { get; } = new(BucketWidth);

    public IReadOnlyList<LoopEvent> Events => _events;

    /// <summary>Takes the fleet's latest snapshot and asks the silo what happened; returns the events new since the last call.</summary>
    public async Task<IReadOnlyList<LoopEvent>> ObserveAsync(FleetSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var first = _events.Count;
        var at = snapshot.Elapsed;
        Timeline.Observe(snapshot);
        if (!_saidDrift && fleet.Drifted)
        {
            _saidDrift = true;
            var plan = fleet.Drift;
            Add(at, Say($"drift injected: sensor temperature baseline +{plan.Sensor:0.#} °C, camera lighting turned {plan.Image:P0}"));
        }

        foreach (var text in await silo.PollAsync(cancellationToken))
        {
            Add(at, text);
        }

        var progress = DriftRecovery.Of(Timeline.Buckets, fleet.Drift.At);
        if (!_saidFall && progress.Dropped)
        {
            _saidFall = true;
            Add(at, Say($"accuracy fell to {progress.Lowest!.Accuracy:P1} ({progress.Before:P1} before the drift)"));
        }

        if (!_saidRecovery && progress.Recovered is { } recovered)
        {
            _saidRecovery = true;
            var after = recovered.Start + recovered.Width - fleet.Drift.At!.Value;
            var gates = silo.Tally is { } tally ? $"; on the way: {tally}" : "";
            Add(at, Say($"accuracy recovered to {recovered.Accuracy:P1} ({progress.Before:P1} before the drift, {progress.Lowest!.Accuracy:P1} at worst), {after.TotalSeconds:0} s after the drift{gates}"));
        }

        return _events[first..];
    }

    private void Add(TimeSpan at, string text) => _events.Add(new LoopEvent(at, text));

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Something that happened in the loop, and when, in sending time.</summary>
internal sealed record LoopEvent(TimeSpan At, string Text)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{At:hh\\:mm\\:ss}] {Text}");
}

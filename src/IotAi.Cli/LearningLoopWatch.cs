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
    private readonly Said _fleetSaid = new();
    private readonly Said _camerasSaid = new();

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

        var gates = silo.Tally is { } tally ? $"; on the way: {tally}" : "";
        Narrate(at, DriftRecovery.Of(Timeline.Buckets, fleet.Drift.At), _fleetSaid, "accuracy", countFrames: false, gates);
        Narrate(at, ImageDriftRecovery.Of(Timeline.Buckets, fleet.Drift.At), _camerasSaid, "camera accuracy", countFrames: true, "");
        return _events[first..];
    }

    /// <summary>Says once that <paramref name="subject"/> fell, and once that it recovered, with <paramref name="suffix"/> after the recovery.</summary>
    private void Narrate(TimeSpan at, LoopProgress progress, Said said, string subject, bool countFrames, string suffix)
    {
        if (!said.Fall && progress.Dropped)
        {
            said.Fall = true;
            Add(at, Say($"{subject} fell to {progress.Lowest!.Accuracy:P1} ({progress.Before:P1} before the drift)"));
        }

        if (!said.Recovery && progress.Recovered is { } recovered)
        {
            said.Recovery = true;
            var after = recovered.Start + recovered.Width - fleet.Drift.At!.Value;
            var over = countFrames ? Say($" over {recovered.Results} frames") : "";
            Add(at, Say($"{subject} recovered to {recovered.Accuracy:P1}{over} ({progress.Before:P1} before the drift, {progress.Lowest!.Accuracy:P1} at worst), {after.TotalSeconds:0} s after the drift{suffix}"));
        }
    }

    private void Add(TimeSpan at, string text) => _events.Add(new LoopEvent(at, text));

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What the watch has said of one part of the fleet.</summary>
internal sealed class Said
{
    public bool Fall { get; set; }

    public bool Recovery { get; set; }
}

/// <summary>Something that happened in the loop, and when, in sending time.</summary>
internal sealed record LoopEvent(TimeSpan At, string Text)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{At:hh\\:mm\\:ss}] {Text}");
}

using System.ComponentModel.DataAnnotations;

namespace IotAi.Edge.Queue;

/// <summary>The on-disk outbound queue. Bound from <c>Edge:Queue</c>.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Edge:Queue";

    /// <summary>The most payload bytes the queue keeps; beyond it, the lowest-priority oldest samples are evicted.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>What a commit waits for; see <see cref="QueueDurability"/>.</summary>
    public QueueDurability Durability { get; set; } = QueueDurability.PowerLoss;

    /// <summary>How long routine telemetry may wait in the queue.</summary>
    public TimeSpan RoutineTimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long an image may wait.</summary>
    public TimeSpan ImageTimeToLive { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long a hard example may wait.</summary>
    public TimeSpan HardExampleTimeToLive { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Samples younger than this are sent before an older backlog, so a drain after an outage does not hold up live data.</summary>
    public TimeSpan LiveWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Numbers a new queue from the clock (milliseconds since 1970) rather than from 1, so a device whose queue
    /// was wiped still numbers above everything it sent before, and the cloud does not take its uplinks for repeats.
    /// </summary>
    public bool SeedSequenceFromClock { get; set; } = true;

    public TimeSpan TimeToLive(SamplePriority priority) => priority switch
    {
        SamplePriority.HardExample => HardExampleTimeToLive,
        SamplePriority.Image => ImageTimeToLive,
        _ => RoutineTimeToLive,
    };
}

/// <summary>How far a stored sample is safe.</summary>
public enum QueueDurability
{
    /// <summary>Every commit reaches the disk (SQLite <c>synchronous=FULL</c>): a sample survives a power cut once enqueued.</summary>
    PowerLoss,

    /// <summary>
    /// Commits reach the operating system, and the disk at checkpoints (SQLite WAL with <c>synchronous=NORMAL</c>):
    /// a sample survives the agent being killed, but a power cut can lose the last moments.
    /// </summary>
    ProcessCrash,
}

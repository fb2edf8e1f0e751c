namespace IotAi.Edge.Queue;

/// <summary>
/// How much a queued sample is worth keeping when the queue is full: routine telemetry goes first, then
/// images, and hard examples (the samples the local model was least sure of, worth most for learning) last.
/// </summary>
public enum SamplePriority
{
    Routine = 0,
    Image = 1,
    HardExample = 2,
}

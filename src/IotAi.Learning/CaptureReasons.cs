namespace IotAi.Learning;

/// <summary>Why a sample was kept for learning; a sample may be kept for several reasons at once.</summary>
[Flags]
public enum CaptureReasons
{
    None = 0,

    /// <summary>The model was unsure: confidence below the threshold, or entropy above it.</summary>
    HardExample = 1,

    /// <summary>The device's own model and the cloud's gave different answers.</summary>
    Disagreement = 2,

    /// <summary>Drawn at random, so the data also shows the ordinary case.</summary>
    Random = 4,

    /// <summary>The answer was one of the labels operators want every example of, e.g. <c>anomaly</c>.</summary>
    Anomaly = 8,

    /// <summary>
    /// Drawn at random, apart from every other reason, for the evaluation set: a uniform share of the traffic that
    /// candidates are judged on and that is never trained on, so the judgement is of the traffic, not of what was kept.
    /// </summary>
    Evaluation = 16,
}

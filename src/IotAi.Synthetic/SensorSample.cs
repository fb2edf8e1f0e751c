namespace IotAi.Synthetic;

/// <summary>One reading of the simulated machine, with the truth a model should find.</summary>
public sealed record SensorSample(DateTimeOffset Timestamp, float Temperature, float Vibration, float Current, bool IsAnomaly)
{
    /// <summary>The feature names, in the order the sensor model reads them.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } = ["temperature", "vibration", "current"];

    public const string NormalLabel = "normal";
    public const string AnomalyLabel = "anomaly";

    public string Label => IsAnomaly ? AnomalyLabel : NormalLabel;

    public float[] ToFeatures() => [Temperature, Vibration, Current];
}

namespace IotAi.Simulator;

/// <summary>
/// When the simulated world changes, and how much: after <see cref="At"/> of sending, every device's sensor
/// baseline rises by <see cref="Sensor"/> degrees and its camera's lighting turns by <see cref="Image"/> (0 to 1).
/// The labels stay true, so a model that learned the old world loses accuracy and one retrained on the new wins it back.
/// </summary>
/// <param name="At">Time since the devices started sending; null never drifts.</param>
/// <param name="Sensor">Degrees added to the temperature baseline (<see cref="Synthetic.SensorSignal.Drift"/>).</param>
/// <param name="Image">How far the camera's lighting turns (<see cref="Synthetic.SyntheticCamera.Drift"/>).</param>
public sealed record DriftPlan(TimeSpan? At, double Sensor, double Image)
{
    public static DriftPlan None { get; } = new(null, 0, 0);

    public bool IsDue(TimeSpan sending) => At is { } at && sending >= at;

    public void Validate()
    {
        if (At is { } at && at < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(At), at, "Drift starts at or after the first message.");
        }

        if (Image is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Image), Image, "Image drift is a fraction from 0 to 1.");
        }
    }
}

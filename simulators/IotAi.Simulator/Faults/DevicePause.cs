namespace IotAi.Simulator.Faults;

/// <summary>
/// At <see cref="At"/> after the devices start sending, <see cref="Fraction"/> of them go silent for
/// <see cref="For"/>, connected but sending nothing, as a device does while it is busy or asleep, then carry on.
/// </summary>
public sealed record DevicePause(TimeSpan At, TimeSpan For, double Fraction)
{
    /// <summary>Reads <c>SHARE@AT+FOR</c>: <c>0.1@20s+10s</c> silences a tenth of the devices from 20 s to 30 s.</summary>
    public static DevicePause Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var share = text.Split('@');
        var times = share.Length == 2 ? share[1].Split('+') : [];
        if (times.Length != 2)
        {
            throw new FormatException($"'{text}' is not a pause: write SHARE@AT+FOR, for example 0.1@20s+10s (a tenth of the devices, silent from 20 s to 30 s).");
        }

        return new DevicePause(DurationText.Parse(times[0], "a pause's start"), DurationText.Parse(times[1], "a pause's length"), FaultShare.Parse(share[0], "a pause"));
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(At, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(For, TimeSpan.Zero);
        FaultShare.Validate(Fraction, nameof(Fraction));
    }
}

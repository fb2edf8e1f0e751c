namespace IotAi.Simulator.Faults;

/// <summary>
/// <see cref="Fraction"/> of the devices sit behind a slow link: each packet they send waits <see cref="Delay"/>,
/// plus its size over <see cref="BytesPerSecond"/> when that is above 0, before it leaves.
/// </summary>
public sealed record SlowLink(TimeSpan Delay, long BytesPerSecond = 0, double Fraction = 1)
{
    internal TimeSpan DelayFor(int bytes) =>
        BytesPerSecond > 0 ? Delay + TimeSpan.FromSeconds((double)bytes / BytesPerSecond) : Delay;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(BytesPerSecond);
        if (Delay == TimeSpan.Zero && BytesPerSecond == 0)
        {
            throw new ArgumentException("A slow link needs a delay or a bandwidth cap.", nameof(Delay));
        }

        FaultShare.Validate(Fraction, nameof(Fraction));
    }
}

namespace IotAi.Bench;

/// <summary>How many items in how long, and how much CPU the measured process spent on them.</summary>
public sealed record RateMeasurement(long Items, TimeSpan Elapsed, TimeSpan Cpu)
{
    public double PerSecond => Items / Elapsed.TotalSeconds;

    /// <summary>CPU microseconds per item: the measure that holds up on a shared, noisy machine.</summary>
    public double CpuMicrosPerItem => Items == 0 ? double.NaN : Cpu.TotalMicroseconds / Items;
}

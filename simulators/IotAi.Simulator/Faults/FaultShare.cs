using System.Globalization;

namespace IotAi.Simulator.Faults;

/// <summary>
/// Which devices a fault hits: exactly the share asked for (rounded), chosen by a hash of the fleet's seed, so a
/// run repeats and two faults with different salts hit different devices.
/// </summary>
internal static class FaultShare
{
    public static int[] Pick(int devices, double fraction, int seed, int salt)
    {
        var count = (int)Math.Round(devices * fraction, MidpointRounding.AwayFromZero);
        return [.. Enumerable.Range(0, devices).OrderBy(i => Mix(seed, salt, i)).ThenBy(static i => i).Take(count)];
    }

    /// <summary>Reads a share written as a fraction (0.25) or a percentage (25%).</summary>
    public static double Parse(string text, string what)
    {
        var percent = text.EndsWith('%');
        if (double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            value = percent ? value / 100 : value;
            if (value is >= 0 and <= 1)
            {
                return value;
            }
        }

        throw new FormatException($"'{text}' is not a share of the devices for {what}: give a fraction from 0 to 1 (0.25) or a percentage (25%).");
    }

    public static void Validate(double fraction, string name)
    {
        if (fraction is < 0 or > 1 || double.IsNaN(fraction))
        {
            throw new ArgumentOutOfRangeException(name, fraction, "A share of the devices is a fraction from 0 to 1.");
        }
    }

    // SplitMix64's finaliser: HashCode is seeded per process, which would pick other devices on every run.
    private static ulong Mix(int seed, int salt, int index)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)salt) + ((ulong)(uint)index * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

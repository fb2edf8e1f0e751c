using System.Globalization;

namespace IotAi.Models;

/// <summary>Orders versions numerically where they are numbers (2 before 10) and by text otherwise.</summary>
public sealed class VersionComparer : IComparer<string>
{
    public static VersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var xNumber = long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var a);
        var yNumber = long.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var b);
        return (xNumber, yNumber) switch
        {
            (true, true) => a.CompareTo(b),
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(x, y),
        };
    }
}

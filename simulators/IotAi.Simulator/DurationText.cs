using System.Globalization;

namespace IotAi.Simulator;

/// <summary>
/// Durations as people type them on a command line: seconds by default (<c>90</c>, <c>90s</c>), or <c>250ms</c>,
/// <c>2m</c>, <c>00:01:30</c>. Plain numbers are seconds so <c>90</c> is not read as 90 days, as
/// <see cref="TimeSpan.Parse(string)"/> would.
/// </summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : (text, 1.0);
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value))
        {
            duration = TimeSpan.FromSeconds(value * unit);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text, string what) => TryParse(text, out var duration)
        ? duration
        : throw new FormatException($"'{text}' is not a duration for {what}: give seconds (90, 90s), milliseconds (250ms), minutes (2m) or hh:mm:ss.");
}

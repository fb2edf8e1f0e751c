using System.Globalization;

namespace IotAi.Bench;

/// <summary>
/// Reads sample values out of a Prometheus text exposition: enough to difference a silo's counters across a
/// benchmark window.
/// </summary>
public static class PrometheusText
{
    /// <summary>
    /// The sum of every sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>
    /// (each written as <c>key="value"</c>); 0 when there is none.
    /// </summary>
    public static double Sum(string exposition, string name, params string[] labels)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        var total = 0.0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length)
            {
                continue;
            }

            var next = line[name.Length];
            if (next is not ('{' or ' '))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            var labelText = next == '{' && close > 0 ? line[..(close + 1)] : "";
            if (labels.Any(l => !labelText.Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }

            // The value follows the name (or its labels); a timestamp may follow the value.
            var rest = line[(next == '{' ? close + 1 : name.Length)..].Trim().Split(' ')[0];
            if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                total += value;
            }
        }

        return total;
    }
}

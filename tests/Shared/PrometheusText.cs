using System.Globalization;
using System.Text.RegularExpressions;

namespace IotAi.Tests.Shared;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4): every line a comment, a HELP or TYPE line,
/// or a sample with a well-formed name, labels and value, whose family was typed before it; histograms end in
/// a <c>+Inf</c> bucket. It throws on the first line that breaks the format, saying which.
/// </summary>
internal static partial class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];
    private static readonly string[] Suffixes = ["_bucket", "_sum", "_count", "_total", "_created"];

    /// <summary>The samples, by metric name with labels as written.</summary>
    public static List<(string Name, string Labels, double Value)> Parse(string text)
    {
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<(string, string, double)>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0 || (line.StartsWith('#') && !line.StartsWith("# HELP ", StringComparison.Ordinal) && !line.StartsWith("# TYPE ", StringComparison.Ordinal)))
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Check(parts.Length == 4 && MetricName().IsMatch(parts[2]) && Types.Contains(parts[3]), number, line, "a TYPE line is '# TYPE name type'");
                Check(typed.TryAdd(parts[2], parts[3]), number, line, "a family is typed once");
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Check(MetricName().IsMatch(line.Split(' ')[2]), number, line, "a HELP line names a metric");
                continue;
            }

            var sample = Sample().Match(line);
            Check(sample.Success, number, line, "a sample is 'name{labels} value'");
            var name = sample.Groups["name"].Value;
            var family = typed.ContainsKey(name) ? name : Suffixes.Where(name.EndsWith).Select(s => name[..^s.Length]).FirstOrDefault(typed.ContainsKey);
            Check(family is not null, number, line, "a sample's family is typed before it");
            var value = sample.Groups["value"].Value;
            Check(value is "+Inf" or "-Inf" or "NaN" || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _), number, line, "a value is a number");
            samples.Add((name, sample.Groups["labels"].Value, value switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(value, CultureInfo.InvariantCulture) }));
        }

        foreach (var histogram in typed.Where(static t => t.Value == "histogram").Select(static t => t.Key))
        {
            var buckets = samples.Where(s => s.Item1 == histogram + "_bucket").ToList();
            Check(buckets.Count == 0 || buckets.Any(static b => b.Item2.Contains("le=\"+Inf\"", StringComparison.Ordinal)), 0, histogram, "a histogram has a +Inf bucket");
        }

        return samples;
    }

    private static void Check(bool holds, int line, string text, string rule)
    {
        if (!holds)
        {
            throw new FormatException($"line {line}: {rule}: {text}");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*,?)?\})? (?<value>\S+)( -?\d+)?$""")]
    private static partial Regex Sample();
}

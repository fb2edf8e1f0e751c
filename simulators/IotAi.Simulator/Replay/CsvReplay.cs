using System.Globalization;
using CsvHelper;

namespace IotAi.Simulator.Replay;

/// <summary>One recorded reading: the file line it came from, its values by column, its time and its label if the file has them.</summary>
public sealed record ReplayRow(long Line, DateTimeOffset? Timestamp, IReadOnlyDictionary<string, double> Values, string? Label);

/// <summary>
/// Recorded readings to send instead of the synthetic signal: a CSV with a header row, an optional first
/// column <c>timestamp</c> (or <c>ts</c>, ISO 8601), an optional <c>label</c> column, and every other column a
/// numeric value named by its header. The whole file is read up front and a bad cell fails the load, naming its
/// line: a replay that skipped rows would not send what the file says.
/// </summary>
public sealed class CsvReplay
{
    public const string LabelColumn = "label";

    private static readonly string[] TimestampColumns = ["timestamp", "ts"];

    private CsvReplay(string path, IReadOnlyList<string> columns, IReadOnlyList<ReplayRow> rows) => (Path, Columns, Rows) = (path, columns, rows);

    public string Path { get; }

    /// <summary>The value columns, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<ReplayRow> Rows { get; }

    public static CsvReplay Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The replay file {path} does not exist.", path);
        }

        using var csv = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true, TrackLineNumbers = true }, FileOptions.SequentialScan);
        csv.ReadHeader();
        string[] header = [.. csv.Headers.Select(static h => h.Trim())];
        if (header.Length == 0)
        {
            throw new InvalidDataException($"{path} is empty: a replay file needs a header row naming its columns.");
        }

        var layout = Layout.Of(path, header);
        var rows = new List<ReplayRow>();
        while (csv.Read())
        {
            rows.Add(layout.Row(csv));
        }

        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{path} has a header but no rows to replay.");
        }

        return new CsvReplay(path, layout.ValueColumns, rows);
    }

    /// <summary>Where the timestamp, the label and the values stand in the header.</summary>
    private sealed record Layout(string Path, string[] Header, int TimestampAt, int LabelAt, string[] ValueColumns)
    {
        public static Layout Of(string path, string[] header)
        {
            if (header.Any(static h => h.Length == 0) || header.Distinct(StringComparer.OrdinalIgnoreCase).Count() != header.Length)
            {
                throw new InvalidDataException($"{path}: every column needs a name of its own; the header is {string.Join(", ", header)}");
            }

            var timestampAt = TimestampColumns.Contains(header[0], StringComparer.OrdinalIgnoreCase) ? 0 : -1;
            var labelAt = Array.FindIndex(header, static h => string.Equals(h, LabelColumn, StringComparison.OrdinalIgnoreCase));
            string[] values = [.. header.Where((_, i) => i != timestampAt && i != labelAt)];
            if (values.Length == 0)
            {
                throw new InvalidDataException($"{path} has no value columns to replay; its columns are {string.Join(", ", header)} (a timestamp and a label are not values).");
            }

            return new Layout(path, header, timestampAt, labelAt, values);
        }

        public ReplayRow Row(CsvReader csv)
        {
            var line = csv.LineNumber;
            if (csv.FieldCount != Header.Length)
            {
                throw Bad(line, $"it has {csv.FieldCount} fields, the header {Header.Length}");
            }

            var values = new Dictionary<string, double>(ValueColumns.Length, StringComparer.Ordinal);
            DateTimeOffset? timestamp = null;
            string? label = null;
            for (var i = 0; i < Header.Length; i++)
            {
                var field = csv.GetString(i).Trim();
                if (i == LabelAt)
                {
                    label = field.Length > 0 ? field : null;
                }
                else if (i == TimestampAt)
                {
                    timestamp = DateTimeOffset.TryParse(field, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts)
                        ? ts
                        : throw Bad(line, $"'{field}' in column {Header[i]} is not a time (ISO 8601, for example 2025-01-31T12:00:00Z)");
                }
                else
                {
                    values[Header[i]] = double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                        ? value
                        : throw Bad(line, $"'{field}' in column {Header[i]} is not a number");
                }
            }

            return new ReplayRow(line, timestamp, values, label);
        }

        private InvalidDataException Bad(long line, string what) => new($"{Path}, line {line}: {what}.");
    }
}

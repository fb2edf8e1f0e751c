using System.Globalization;
using CsvHelper;
using IotAi.Models;

namespace IotAi.Training;

/// <summary>
/// A CSV of labelled sensor windows: a header row, one label column, and every other column a numeric value
/// the model reads, named by its header, in column order. The labels are the distinct label values in ordinal
/// order. A row that cannot be read (a value that is not a number, the wrong number of fields, an empty label)
/// fails the whole read, naming its line: a CSV is written by a program, so one bad row says the file is not
/// what it seems, and dropping rows quietly would change what the model learns.
/// </summary>
public static class CsvDataset
{
    public const string DefaultLabelColumn = "label";

    public static async Task<LabelledDataset> ReadAsync(string path, string labelColumn = DefaultLabelColumn, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist", path);
        }

        await using var csv = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true, TrackLineNumbers = true }, FileOptions.SequentialScan);
        await csv.ReadHeaderAsync(cancellationToken);
        string[] header = [.. csv.Headers.Select(static h => h.Trim())];
        var labelAt = Array.IndexOf(header, labelColumn);
        CheckHeader(path, header, labelColumn, labelAt);

        var rows = new List<(string Id, float[] Values, string Label)>();
        var fields = new string[header.Length];
        while (await csv.ReadAsync(cancellationToken))
        {
            if (csv.FieldCount != header.Length)
            {
                throw BadRow(path, csv.LineNumber, $"it has {csv.FieldCount} fields, the header {header.Length}");
            }

            var values = new float[header.Length - 1];
            for (var i = 0; i < header.Length; i++)
            {
                fields[i] = csv.GetString(i).Trim();
                if (i == labelAt)
                {
                    continue;
                }

                if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
                {
                    throw BadRow(path, csv.LineNumber, $"'{fields[i]}' in column '{header[i]}' is not a number");
                }

                values[i < labelAt ? i : i - 1] = value;
            }

            if (fields[labelAt].Length == 0)
            {
                throw BadRow(path, csv.LineNumber, $"the '{labelColumn}' is empty");
            }

            // The row's own text decides its side of the split, so the same window stays on its side wherever it stands.
            rows.Add((string.Join(',', fields), values, fields[labelAt]));
            if (rows.Count % 10_000 == 0)
            {
                progress?.Report($"reading rows: {rows.Count}");
            }
        }

        List<string> labels = [.. rows.Select(static r => r.Label).Distinct().Order(StringComparer.Ordinal)];
        if (labels.Count < 2)
        {
            throw new InvalidDataException(labels.Count == 0
                ? $"{path} has a header but no rows"
                : $"{path}: every row is labelled '{labels[0]}', and a model tells labels apart, so it needs at least two");
        }

        return new LabelledDataset(
            $"csv:{Path.GetFileName(path)}",
            labels,
            [.. header.Where((_, i) => i != labelAt)],
            null,
            [.. rows.Select(r => new DatasetExample(r.Id, new LabelledRow(r.Values, labels.BinarySearch(r.Label, StringComparer.Ordinal))))],
            []);
    }

    private static void CheckHeader(string path, string[] header, string labelColumn, int labelAt)
    {
        if (header.Length == 0)
        {
            throw new InvalidDataException($"{path} is empty: it needs a header row naming its columns");
        }

        if (labelAt < 0)
        {
            throw new InvalidDataException($"{path} has no '{labelColumn}' column to take the labels from; its columns are {string.Join(", ", header)}");
        }

        if (header.Any(static h => h.Length == 0) || header.Distinct(StringComparer.Ordinal).Count() != header.Length)
        {
            throw new InvalidDataException($"{path}: every column needs a name of its own; the header is {string.Join(", ", header)}");
        }

        if (header.Length - 1 is 0 or > ModelManifest.MaxFeatures)
        {
            throw new InvalidDataException($"{path} has {header.Length - 1} value columns besides '{labelColumn}'; a sensor model reads 1 to {ModelManifest.MaxFeatures}");
        }
    }

    private static InvalidDataException BadRow(string path, long line, string what) => new($"{path}, line {line}: {what}");
}

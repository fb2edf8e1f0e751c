using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Sources;

/// <summary>
/// Replays recorded readings from a CSV file with a header row (<see cref="EdgeAgentOptions.CsvPath"/>): every
/// numeric column is a value, a <c>ts</c> column (ISO 8601) is when it was taken, and a <c>label</c> column its
/// ground truth. A row goes every <see cref="EdgeAgentOptions.CsvInterval"/>, or as fast as the agent takes
/// them when that is zero. A row that cannot be read is logged and skipped.
/// </summary>
public sealed partial class CsvReplaySource(
    IOptions<EdgeAgentOptions> options,
    TimeProvider timeProvider,
    ILogger<CsvReplaySource> logger) : ISampleSource
{
    public const string SourceName = "csv";

    public string Name => SourceName;

    public async IAsyncEnumerable<EdgeSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var path = settings.CsvPath ?? throw new InvalidOperationException("Edge:CsvPath is not set.");
        await using var csv = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true, TrackLineNumbers = true }, FileOptions.SequentialScan);
        await csv.ReadHeaderAsync(cancellationToken);
        string[] header = [.. csv.Headers.Select(static h => h.Trim())];
        if (header.Length == 0)
        {
            LogNoHeader(logger, path);
            yield break;
        }

        using var pace = settings.CsvInterval > TimeSpan.Zero ? new PeriodicTimer(settings.CsvInterval, timeProvider) : null;
        var rows = 0L;
        while (await csv.ReadAsync(cancellationToken))
        {
            rows++;
            if (Parse(header, csv, out var error) is not { } row)
            {
                LogBadRow(logger, path, csv.LineNumber, error!);
                continue;
            }

            var timestamp = row.Timestamp ?? timeProvider.GetUtcNow();
            var payload = JsonSerializer.SerializeToUtf8Bytes(new Telemetry(null, timestamp, row.Values), ProtocolJson.Wire.Telemetry);
            yield return new EdgeSample(PayloadKind.Telemetry, payload, ContentTypes.Json, timestamp, row.Label);
            if (pace is not null)
            {
                await pace.WaitForNextTickAsync(cancellationToken);
            }
        }

        LogEnded(logger, path, rows);
    }

    private static Row? Parse(string[] header, CsvReader csv, out string? error)
    {
        error = null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        DateTimeOffset? timestamp = null;
        string? label = null;
        for (var i = 0; i < header.Length && i < csv.FieldCount; i++)
        {
            var field = csv.GetString(i).Trim();
            switch (header[i])
            {
                case "ts" when field.Length > 0:
                    if (!DateTimeOffset.TryParse(field, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
                    {
                        error = $"'{field}' in column ts is not a time";
                        return null;
                    }

                    timestamp = ts;
                    break;
                case "label":
                    label = field.Length > 0 ? field : null;
                    break;
                default:
                    if (field.Length == 0)
                    {
                        break;
                    }

                    if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                    {
                        error = $"'{field}' in column {header[i]} is not a number";
                        return null;
                    }

                    values[header[i]] = value;
                    break;
            }
        }

        if (values.Count == 0)
        {
            error = "the row has no values";
            return null;
        }

        return new Row(values, timestamp, label);
    }

    private sealed record Row(Dictionary<string, double> Values, DateTimeOffset? Timestamp, string? Label);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Path} has no header row; the CSV source needs one naming its columns")]
    private static partial void LogNoHeader(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped line {Line} of {Path}: {Error}")]
    private static partial void LogBadRow(ILogger logger, string path, long line, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed all {Rows} rows of {Path}")]
    private static partial void LogEnded(ILogger logger, string path, long rows);
}

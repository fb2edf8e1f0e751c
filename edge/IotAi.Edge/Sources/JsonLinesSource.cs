using System.Runtime.CompilerServices;
using System.Text.Json;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Sources;

/// <summary>
/// Replays telemetry from a file (or standard input for <c>-</c>), one JSON object per line with at least
/// <c>values</c>. The line's <c>ts</c> is kept, or set to the time it was read; any <c>seq</c> it carries is
/// dropped, because the agent alone numbers a device's uplinks and the cloud discards numbers it has seen.
/// A line that cannot be read is logged and skipped.
/// </summary>
public sealed partial class JsonLinesSource(
    IOptions<EdgeAgentOptions> options,
    TimeProvider timeProvider,
    ILogger<JsonLinesSource> logger) : ISampleSource
{
    public string Name => EdgeAgentOptions.JsonLinesSourceName;

    public async IAsyncEnumerable<EdgeSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = options.Value.JsonLinesPath ?? throw new InvalidOperationException("Edge:JsonLinesPath is not set.");
        var fromStdin = path == "-";
        using var reader = fromStdin ? new StreamReader(Console.OpenStandardInput()) : File.OpenText(path);
        var lineNumber = 0L;
        while (true)
        {
            // Console input ignores cancellation once a read has begun; WaitAsync lets shutdown walk away from it.
            var line = await reader.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken);
            if (line is null)
            {
                LogEnded(logger, path, lineNumber);
                yield break;
            }

            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var telemetry = Parse(line, out var error);
            if (telemetry is null)
            {
                LogMalformedLine(logger, path, lineNumber, error);
                continue;
            }

            var timestamp = telemetry.Timestamp ?? timeProvider.GetUtcNow();
            var payload = JsonSerializer.SerializeToUtf8Bytes(
                telemetry with { Seq = null, Timestamp = timestamp }, ProtocolJson.Wire.Telemetry);
            yield return new EdgeSample(PayloadKind.Telemetry, payload, ContentTypes.Json, timestamp);
        }
    }

    private static Telemetry? Parse(string line, out string error)
    {
        try
        {
            var telemetry = JsonSerializer.Deserialize(line, ProtocolJson.Wire.Telemetry);
            error = telemetry?.Values is null ? "the line has no 'values' object" : "";
            return telemetry?.Values is null ? null : telemetry;
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped line {LineNumber} of {Path}: {Error}")]
    private static partial void LogMalformedLine(ILogger logger, string path, long lineNumber, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read all {LineCount} lines of {Path}")]
    private static partial void LogEnded(ILogger logger, string path, long lineCount);
}

using IotAi.Protocol;
using Microsoft.Extensions.Options;

namespace IotAi.Edge;

/// <summary>The checks data annotations cannot express: the device id's alphabet, positive times, known source names.</summary>
public sealed class EdgeAgentOptionsValidator : IValidateOptions<EdgeAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!DeviceTopics.IsValidDeviceId(options.DeviceId))
        {
            failures.Add($"Edge:DeviceId '{options.DeviceId}' must be 1 to {DeviceTopics.MaxDeviceIdLength} letters, digits or '-_.:'.");
        }

        RequirePositive(failures, nameof(options.SensorInterval), options.SensorInterval);
        RequirePositive(failures, nameof(options.CameraInterval), options.CameraInterval);
        RequirePositive(failures, nameof(options.KeepAlive), options.KeepAlive);
        RequirePositive(failures, nameof(options.ConnectTimeout), options.ConnectTimeout);
        RequirePositive(failures, nameof(options.ReconnectDelay), options.ReconnectDelay);
        RequirePositive(failures, nameof(options.QualityReportInterval), options.QualityReportInterval);
        RequirePositive(failures, nameof(options.TwinReportInterval), options.TwinReportInterval);
        RequirePositive(failures, nameof(options.CircuitBreakDuration), options.CircuitBreakDuration);
        RequirePositive(failures, nameof(options.FetchRetryAfter), options.FetchRetryAfter);
        if (options.MaxReconnectDelay < options.ReconnectDelay)
        {
            failures.Add("Edge:MaxReconnectDelay must not be shorter than Edge:ReconnectDelay.");
        }

        if (options.ActiveSources.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("Edge:Sources must not contain empty names.");
        }

        if (options.ActiveSources.Contains(Sources.CsvReplaySource.SourceName) && string.IsNullOrEmpty(options.CsvPath))
        {
            failures.Add("The csv source needs Edge:CsvPath.");
        }

        if (options.ActiveSources.Contains(Sources.FolderWatcherSource.SourceName) && string.IsNullOrEmpty(options.WatchFolder))
        {
            failures.Add("The folder source needs Edge:WatchFolder.");
        }

        if (options.ActiveSources.Contains(EdgeAgentOptions.JsonLinesSourceName) && string.IsNullOrEmpty(options.JsonLinesPath))
        {
            failures.Add("Edge:Sources names 'jsonl' but Edge:JsonLinesPath is not set.");
        }

        if (options.SecretFile is { } secret && !File.Exists(secret))
        {
            failures.Add($"Edge:SecretFile {secret} does not exist; enrol the device and save its secret there");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequirePositive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Edge:{name} must be positive.");
        }
    }
}

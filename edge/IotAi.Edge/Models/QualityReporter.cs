using System.Text.Json;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Models;

/// <summary>
/// Sends the <see cref="ModelQualityTracker"/>'s figures to <c>up/model/quality</c> every interval, for the versions
/// that answered since the last report. The counts are cumulative, so a report lost to a disconnect is made
/// good by the next one.
/// </summary>
public sealed partial class QualityReporter(
    IOptions<EdgeAgentOptions> options,
    ModelQualityTracker quality,
    TimeProvider timeProvider,
    ControlChannel control,
    ILogger<QualityReporter> logger)
{
    private readonly string _deviceId = options.Value.DeviceId;
    private readonly TimeSpan _interval = options.Value.QualityReportInterval;
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var report in quality.TakeChanged())
            {
                try
                {
                    await control.PublishAsync(DeviceTopics.ModelQuality(_deviceId), JsonSerializer.SerializeToUtf8Bytes(report, ProtocolJson.Wire.ModelQualityReport), cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogReportLost(ex, report.Name, report.Version);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A quality report on {Model} {Version} was lost; the next one carries its counts")]
    private partial void LogReportLost(Exception exception, string model, string version);
}

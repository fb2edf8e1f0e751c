using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using IotAi.Edge.Models;
using IotAi.Edge.Queue;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge.Twin;

/// <summary>
/// Reports the agent's state into its twin (<c>up/twin/reported</c>): what it runs, how its queue stands, how
/// long it has been offline, which desired settings it applied and which model key set it trusts. It reports on
/// every connect, after every desired change and adopted key set, and every <see cref="EdgeAgentOptions.TwinReportInterval"/> in between.
/// </summary>
public sealed partial class TwinReporter(
    IOptions<EdgeAgentOptions> options,
    EdgeConnection connection,
    IOutbox outbox,
    EdgeModelRuntime models,
    JointInference joint,
    LiveSettings settings,
    TrustedKeyStore keys,
    TimeProvider timeProvider,
    ControlChannel control,
    ILogger<TwinReporter> logger) : IDisposable
{
    private readonly string _deviceId = options.Value.DeviceId;

    /// <summary>
    /// One report at a time, each read when its turn comes: a report read on connect (holding the old key set) must not
    /// overtake one read a moment later, after the silo's key set was adopted, and leave the twin on the old version.
    /// </summary>
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly TimeSpan _interval = options.Value.TwinReportInterval;
    internal static readonly string AgentVersion =
        typeof(TwinReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        void Now(object? sender, EventArgs e) => _ = ReportAsync(cancellationToken);
        connection.Connected += Now;
        settings.Changed += Now;
        keys.Changed += Now;
        try
        {
            using var timer = new PeriodicTimer(_interval, timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await ReportAsync(cancellationToken);
            }
        }
        finally
        {
            connection.Connected -= Now;
            settings.Changed -= Now;
            keys.Changed -= Now;
        }
    }

    /// <summary>The reported properties as they stand: flat names, numbers and strings.</summary>
    public Dictionary<string, object> Properties()
    {
        var queue = outbox.Statistics;
        var properties = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["agentVersion"] = AgentVersion,
            [ReportedProperties.Models] = string.Join(',', models.Running.Select(static m => $"{m.Name}:{m.Version}")),
            ["queueDepth"] = queue.Depth,
            ["queueBytes"] = queue.Bytes,
            ["diskBytes"] = queue.DiskBytes,
            ["evictions"] = queue.Evictions,
            ["offlineSeconds"] = Math.Round(connection.OfflineTime.TotalSeconds, 1),
            ["answeredLocally"] = joint.AnsweredLocally,
            ["escalated"] = joint.Escalated,
            ["keptLocal"] = joint.KeptLocal,
            ["desiredVersion"] = settings.DesiredVersion,
            [ReportedProperties.KeySetVersion] = keys.Version,
            [LiveSettings.SensorIntervalMs] = (long)settings.SensorInterval.TotalMilliseconds,
            [LiveSettings.CameraIntervalMs] = (long)settings.CameraInterval.TotalMilliseconds,
            [LiveSettings.ConfidenceThresholdName] = settings.ConfidenceThreshold,
            [LiveSettings.JointInferenceName] = settings.JointInference.ToString().ToLowerInvariant(),
            [LiveSettings.CaptureName] = settings.Capture.ToString().ToLowerInvariant(),
            [LiveSettings.SensorDriftName] = settings.SensorDrift,
        };
        if (settings.Refused.Count > 0)
        {
            properties["desiredRefused"] = string.Join("; ", settings.Refused.Select(static r => $"{r.Key} {r.Value}"));
        }

        return properties;
    }

    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _oneAtATime.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The agent is stopping.
            return;
        }

        try
        {
            var payload = Report(Properties());
            await control.PublishAsync(DeviceTopics.Reported(_deviceId), payload, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next report carries the same, newer figures.
            if (!cancellationToken.IsCancellationRequested)
            {
                LogReportLost(logger, _deviceId, ex.Message);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public void Dispose() => _oneAtATime.Dispose();

    /// <summary>One flat JSON object: strings as they are, numbers to six decimals, whole numbers (and flags, as 0 or 1) as integers.</summary>
    private static byte[] Report(Dictionary<string, object> properties)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                switch (value)
                {
                    case string text:
                        writer.WriteString(name, text);
                        break;
                    case double number:
                        writer.WriteNumber(name, Math.Round(number, 6));
                        break;
                    default:
                        writer.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                        break;
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A twin report of {DeviceId} was lost: {Reason}")]
    private static partial void LogReportLost(ILogger logger, string deviceId, string reason);
}

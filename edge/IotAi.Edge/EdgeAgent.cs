using IotAi.Edge.Models;
using IotAi.Edge.Queue;
using IotAi.Edge.Twin;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Edge;

/// <summary>
/// The edge device: runs its own model on each sample its sources produce (<see cref="LocalInference"/>), queues
/// the sample in the <see cref="IOutbox"/>, publishes over one MQTT connection that it keeps alive, and reports
/// the cloud's answers through its events and the <see cref="IResultSink"/>, and how its models answer through
/// quality reports. Sources → local model → on-disk outbox → pipelined publisher → broker; downlinks → dispatcher.
/// Its collaborators come from the container (<see cref="EdgeServiceCollectionExtensions.AddEdgeAgent"/>); the agent
/// only starts them and pumps its sources.
/// </summary>
public sealed partial class EdgeAgent(
    IOptions<EdgeAgentOptions> options,
    IEnumerable<ISampleSource> sources,
    IOutbox outbox,
    EdgeModelRuntime runtime,
    LocalInference local,
    JointInference joint,
    EdgeConnection connection,
    DownlinkDispatcher downlink,
    UplinkPublisher publisher,
    ModelUpdater updater,
    TwinReporter twin,
    QualityReporter reporter,
    EdgeEvents events,
    EdgeTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<EdgeAgent> logger) : BackgroundService
{
    /// <summary>A result arrived on <c>down/result</c>. Raised on the MQTT receive path; handlers should be quick.</summary>
    public event EventHandler<EdgeResult>? ResultReceived
    {
        add => events.ResultReceived += value;
        remove => events.ResultReceived -= value;
    }

    /// <summary>An error reply arrived on <c>down/error</c>.</summary>
    public event EventHandler<ErrorReceivedEventArgs>? ErrorReceived
    {
        add => events.ErrorReceived += value;
        remove => events.ErrorReceived -= value;
    }

    /// <summary>New desired properties arrived on <c>down/twin/desired</c>.</summary>
    public event EventHandler<DesiredPropertiesReceivedEventArgs>? DesiredPropertiesReceived
    {
        add => events.DesiredPropertiesReceived += value;
        remove => events.DesiredPropertiesReceived -= value;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var active = SelectSources(settings);
        await runtime.LoadCurrentAsync();
        connection.MessageReceived += downlink.HandleAsync;
        telemetry.Watch(connection);
        var names = string.Join(',', active.Select(s => s.Name));
        LogStarting(logger, settings.DeviceId, settings.Host, settings.Port, names);

        // Task.Run: a source may block before its first await (a file or console read), which must not hold up the agent.
        var pumps = active.Select(source => Task.Run(() => PumpAsync(source, stoppingToken), CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(connection.RunAsync(stoppingToken), publisher.RunAsync(stoppingToken), updater.RunAsync(stoppingToken), reporter.RunAsync(stoppingToken), twin.RunAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the loops end by cancellation, which is not worth a log line.
        }
        finally
        {
            await Task.WhenAll(pumps);
            await publisher.StopAsync();
            await connection.DisconnectAsync();
        }
    }

    private List<ISampleSource> SelectSources(EdgeAgentOptions settings)
    {
        var byName = sources.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var unknown = settings.ActiveSources.Where(n => !byName.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Edge:Sources names {string.Join(", ", unknown)}, which no registered source has; known: {string.Join(", ", byName.Keys)}.");
        }

        return [.. settings.ActiveSources.Distinct(StringComparer.OrdinalIgnoreCase).Select(n => byName[n])];
    }

    private async Task PumpAsync(ISampleSource source, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var sample in source.ReadAsync(cancellationToken))
            {
                var started = timeProvider.GetTimestamp();
                var answer = await local.InferAsync(sample, cancellationToken);
                if (answer is not null)
                {
                    telemetry.InferredLocally(answer.Model, timeProvider.GetElapsedTime(started));
                }

                if (await joint.RouteAsync(sample, answer, cancellationToken) is { } routed)
                {
                    await outbox.EnqueueAsync(routed, cancellationToken);
                }
            }

            LogSourceEnded(logger, source.Name);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSourceFailed(logger, source.Name, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge agent {DeviceId} starting: broker {Host}:{Port}, sources {Sources}")]
    private static partial void LogStarting(ILogger logger, string deviceId, string host, int port, string sources);

    [LoggerMessage(Level = LogLevel.Information, Message = "Source {Source} has no more samples")]
    private static partial void LogSourceEnded(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Source {Source} failed and stopped; the other sources carry on")]
    private static partial void LogSourceFailed(ILogger logger, string source, Exception exception);
}

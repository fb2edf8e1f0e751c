using IotAi.Learning;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotAi.Gateway.Http.Dashboard;

/// <summary>
/// Samples the silo every <see cref="DashboardOptions.SampleInterval"/> into a bounded history for the dashboard's charts.
/// Throughput and latency come from the silo's own meters and cost nothing; the fleet is scanned (a grain call per device)
/// only while someone has asked for the summary within <see cref="DashboardOptions.WatchedFor"/>.
/// </summary>
internal sealed partial class DashboardRecorder(
    SiloMeterReader meters, FleetScan fleet, ConfidenceDrift drift, LiveAccuracy live, TimeProvider time, IOptions<DashboardOptions> options, ILogger<DashboardRecorder> logger)
    : BackgroundService
{
    private Dictionary<string, AccuracyWindow> _graded = new(StringComparer.Ordinal);
    private readonly DashboardOptions _options = options.Value;
    private readonly Queue<DashboardSample> _history = new();
    private FleetSnapshot? _fleet;
    private DateTimeOffset _watchedAt = DateTimeOffset.MinValue;
    private long _lastMessages;
    private DateTimeOffset _lastAt;
    private double _messagesPerSecond;

    /// <summary>What the dashboard shows now; scans the fleet first if no sample has yet.</summary>
    public async Task<DashboardSummary> SummaryAsync(CancellationToken cancellationToken)
    {
        _watchedAt = time.GetUtcNow();
        var snapshot = Volatile.Read(ref _fleet) ?? await ScanAsync(cancellationToken);
        DashboardSample[] history;
        lock (_history)
        {
            history = [.. _history];
        }

        var figures = new FleetFigures(snapshot.Known, snapshot.Connected, snapshot.Scanned, _messagesPerSecond, meters.MessagesIn);
        return new DashboardSummary(time.GetUtcNow(), figures, snapshot.Models, snapshot.Rollouts, history);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _lastAt = time.GetUtcNow();
        _lastMessages = meters.MessagesIn;
        using var timer = new PeriodicTimer(_options.SampleInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A scan that fails (a silo leaving, a grain timing out) costs one point of the charts, not the recorder.
                LogSampleFailed(logger, ex);
            }
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var messages = meters.MessagesIn;
        var seconds = (now - _lastAt).TotalSeconds;
        _messagesPerSecond = seconds > 0 ? (messages - _lastMessages) / seconds : 0;
        (_lastMessages, _lastAt) = (messages, now);
        var (uplink, inference) = meters.Take();
        var snapshot = now - _watchedAt < _options.WatchedFor ? await ScanAsync(cancellationToken) : Volatile.Read(ref _fleet);
        var accuracy = snapshot?.Models.Where(static m => m.Accuracy is not null).ToDictionary(static m => m.Name, static m => m.Accuracy!.Value)
            ?? new Dictionary<string, double>();
        var sample = new DashboardSample(now, _messagesPerSecond, snapshot?.Connected ?? (int)meters.Connections, uplink, inference, drift.All(), accuracy, LiveSinceLastSample());
        lock (_history)
        {
            _history.Enqueue(sample);
            while (_history.Count > _options.HistoryPoints)
            {
                _history.Dequeue();
            }
        }
    }

    /// <summary>Each model version's accuracy over the answers graded since the last sample, from the running totals.</summary>
    private Dictionary<string, double> LiveSinceLastSample()
    {
        var totals = live.All().ToDictionary(static v => $"{v.Model} v{v.Version}", static v => v.Total, StringComparer.Ordinal);
        var since = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (version, total) in totals)
        {
            var before = _graded.GetValueOrDefault(version);
            if (total.Graded > before.Graded)
            {
                since[version] = (double)(total.Correct - before.Correct) / (total.Graded - before.Graded);
            }
        }

        _graded = totals;
        return since;
    }

    private async Task<FleetSnapshot> ScanAsync(CancellationToken cancellationToken)
    {
        var snapshot = await fleet.ScanAsync(cancellationToken);
        Volatile.Write(ref _fleet, snapshot);
        return snapshot;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The dashboard could not sample the silo")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}

using System.Text.Json;
using IotAi.Protocol;

namespace IotAi.Simulator.Tests;

public sealed class FleetStatisticsTests
{
    [Fact]
    public void A_snapshot_counts_results_errors_and_accuracy_per_kind()
    {
        var statistics = new FleetStatistics();
        Send(statistics, PayloadKind.Telemetry, 4);
        Send(statistics, PayloadKind.Image, 3);
        statistics.Result(PayloadKind.Telemetry, correct: true, TimeSpan.FromMilliseconds(2));
        statistics.Result(PayloadKind.Telemetry, correct: true, TimeSpan.FromMilliseconds(4));
        statistics.Result(PayloadKind.Telemetry, correct: false, TimeSpan.FromMilliseconds(6));
        statistics.Result(PayloadKind.Image, correct: true, TimeSpan.FromMilliseconds(8));
        statistics.Error(ErrorCodes.NoModel);
        statistics.Error(ErrorCodes.NoModel);
        statistics.Error(ErrorCodes.Unavailable);

        var snapshot = statistics.Snapshot();

        Assert.Equal(7, snapshot.Sent);
        Assert.Equal(4, snapshot.Results);
        Assert.Equal(3, snapshot.Errors);
        Assert.Equal(0, snapshot.Outstanding);
        Assert.Equal(0.75, snapshot.Accuracy);
        Assert.Equal(new KindSnapshot(4, 3, 2, 3, 2.0 / 3), snapshot.Telemetry);
        Assert.Equal(new KindSnapshot(3, 1, 1, 1, 1.0), snapshot.Image);
        Assert.Equal(new Dictionary<string, long> { [ErrorCodes.NoModel] = 2, [ErrorCodes.Unavailable] = 1 }, snapshot.ErrorsByCode);
        Assert.Equal(4, snapshot.Latency.Count);
        Assert.InRange(snapshot.Latency.P50Ms, 4, 4 * (1 + (1.0 / 64)));
        Assert.Equal((8.0, 8.0, 8.0), (snapshot.Latency.P90Ms, snapshot.Latency.P99Ms, snapshot.Latency.MaxMs));
    }

    [Fact]
    public void Each_snapshot_reports_the_results_since_the_previous_one()
    {
        var statistics = new FleetStatistics();
        Send(statistics, PayloadKind.Telemetry, 5);
        Answer(statistics, 3);
        var first = statistics.Snapshot();
        Answer(statistics, 2);
        var second = statistics.Snapshot();
        var third = statistics.Snapshot();

        Assert.Equal(3, first.IntervalResults);
        Assert.Equal(2, second.IntervalResults);
        Assert.Equal(5, second.Results);
        Assert.Equal(0, third.IntervalResults);
        Assert.Equal(0, third.IntervalResultsPerSecond);
        Assert.True(second.ResultsPerSecond > 0);
    }

    [Fact]
    public void Timeouts_and_failed_sends_leave_the_in_flight_count()
    {
        var statistics = new FleetStatistics();
        Send(statistics, PayloadKind.Telemetry, 5);
        statistics.TimedOut(2);
        statistics.SendFailed();

        var snapshot = statistics.Snapshot();

        Assert.Equal(2, snapshot.Timeouts);
        Assert.Equal(1, snapshot.SendFailures);
        Assert.Equal(2, snapshot.Outstanding);
        Assert.Null(snapshot.Accuracy);
    }

    [Fact]
    public void The_report_has_readable_lines_and_camel_case_json()
    {
        var statistics = new FleetStatistics();
        Send(statistics, PayloadKind.Image, 2);
        statistics.Result(PayloadKind.Image, correct: true, TimeSpan.FromMilliseconds(3));
        statistics.Error(ErrorCodes.NoModel);
        var snapshot = statistics.Snapshot();

        var text = FleetReport.ToText(snapshot);
        using var json = JsonDocument.Parse(FleetReport.ToJson(snapshot));

        Assert.Contains("results 1", text, StringComparison.Ordinal);
        Assert.Contains("no_model 1", text, StringComparison.Ordinal);
        Assert.Contains("100.0 %", text, StringComparison.Ordinal);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("sent").GetInt64());
        Assert.Equal(1.0, root.GetProperty("accuracy").GetDouble());
        Assert.Equal(3, root.GetProperty("latency").GetProperty("p50Ms").GetDouble());
        Assert.Equal(1, root.GetProperty("image").GetProperty("correct").GetInt64());
        Assert.Equal(1, root.GetProperty("errorsByCode").GetProperty(ErrorCodes.NoModel).GetInt64());
        Assert.True(root.TryGetProperty("elapsedSeconds", out _));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("telemetry").GetProperty("accuracy").ValueKind);
    }

    private static void Send(FleetStatistics statistics, PayloadKind kind, int count)
    {
        for (var i = 0; i < count; i++)
        {
            statistics.Sending(kind);
        }
    }

    private static void Answer(FleetStatistics statistics, int count)
    {
        for (var i = 0; i < count; i++)
        {
            statistics.Result(PayloadKind.Telemetry, correct: true, TimeSpan.FromMilliseconds(1));
        }
    }
}

using IotAi.Client;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using IotAi.Bench.Suite;
using IotAi.Simulator;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>
/// The learning loop in a world that does not drift: a silo with the default learning settings in its own process, and
/// a fleet of devices the cloud serves sending labelled readings and images as fast as the silo answers. Nothing should
/// change. Two fifths of the way in, an operator asks for a run of each model on the samples kept so far, which are mostly the
/// hard examples the capture policy keeps; whatever it registers must pass the rollout's live trial before it answers the
/// fleet. The figures: the fleet's accuracy minute by minute as the simulator grades it, the runs the triggers started
/// (and why), and each run's verdict and rollout.
/// </summary>
public static class SteadyLoopBenchmark
{
    private static readonly string[] Models = ["shape-classifier", "sensor-anomaly"];

    public static async Task<SteadyLoopFigures> RunAsync(int devices, TimeSpan duration, CancellationToken cancellationToken)
    {
        // The default learning settings, the triggers checked often so that it is not their interval that keeps them quiet.
        await using var silo = await SuiteSilo.StartAsync(cancellationToken, "--Learning:Training:CheckInterval=00:00:05");
        using var api = silo.Connect();
        var options = new FleetOptions
        {
            Host = "127.0.0.1",
            Port = silo.MqttPort,
            Devices = devices,
            DevicePrefix = "steady",
            SendTruth = true,
            TelemetryInterval = TimeSpan.FromMilliseconds(20),
            MaxInFlightPerDevice = 1,
            ConnectConcurrency = 100,
            FirstSeq = FleetOptions.SeqFromClock(),
        };
        await using var fleet = new Fleet(options);
        await fleet.ConnectAsync(cancellationToken);
        var timeline = new AccuracyTimeline(TimeSpan.FromMinutes(1));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = fleet.RunAsync(stop.Token);
        var asked = new List<string>();
        using (var tick = new PeriodicTimer(TimeSpan.FromSeconds(1)))
        {
            // The fleet sends for the whole duration, and on, up to twice as long, until the runs asked for and their rollouts have ended.
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                var snapshot = fleet.Statistics.Snapshot();
                timeline.Observe(snapshot);
                if (asked.Count == 0 && snapshot.Elapsed >= duration * 0.4)
                {
                    AnsiConsole.MarkupLineInterpolated($"  {snapshot.Elapsed:mm\\:ss} in: an operator asks for a run of each model…");
                    foreach (var model in Models)
                    {
                        var started = await api.StartTrainingAsync(new { model }, cancellationToken);
                        asked.Add(started.GetProperty("runId").GetString()!);
                    }
                }

                if (snapshot.Elapsed >= duration * 2 || (snapshot.Elapsed >= duration && asked.Count > 0 && await EndedAsync(api, asked, cancellationToken)))
                {
                    break;
                }
            }
        }

        await stop.CancelAsync();
        await run;
        var final = fleet.Statistics.Snapshot();
        timeline.Observe(final);
        var runs = await api.ListTrainingAsync(cancellationToken);
        var figures = new List<SteadyRunFigures>();
        foreach (var status in runs.OrderBy(static r => r.GetProperty("startedAt").GetDateTimeOffset()))
        {
            var runId = status.GetProperty("runId").GetString()!;
            var rollout = status.GetProperty("rollout").ValueKind == JsonValueKind.String
                ? await api.GetRolloutAsync(status.GetProperty("rollout").GetString()!, cancellationToken)
                : default;
            figures.Add(new SteadyRunFigures(runId, status.GetProperty("model").GetString()!, asked.Contains(runId), status.GetProperty("state").GetString()!,
                status.GetProperty("progress").GetString()!, rollout.ValueKind == JsonValueKind.Object ? Rollout(rollout) : null));
        }

        return new SteadyLoopFigures(devices, final.Elapsed, final.Results, final.Timeouts, timeline.Buckets, figures);
    }

    /// <summary>Whether every run asked for has its verdict, and every rollout one of them started has ended.</summary>
    private static async Task<bool> EndedAsync(IotAiClient api, IEnumerable<string> runIds, CancellationToken cancellationToken)
    {
        foreach (var runId in runIds)
        {
            var status = await api.GetTrainingAsync(runId, cancellationToken);
            if (status.GetProperty("state").GetString() == "running")
            {
                return false;
            }

            if (status.GetProperty("rollout").ValueKind == JsonValueKind.String
                && (await api.GetRolloutAsync(status.GetProperty("rollout").GetString()!, cancellationToken))
                    .GetProperty("phase").GetString() is "Running" or "Paused" or "RollingBack")
            {
                return false;
            }
        }

        return true;
    }

    private static string Rollout(JsonElement rollout)
    {
        var live = rollout.TryGetProperty("live", out var verdict) && verdict.ValueKind == JsonValueKind.Object ? $"; {verdict.GetProperty("summary").GetString()}" : "";
        var reason = rollout.TryGetProperty("reason", out var why) && why.ValueKind == JsonValueKind.String ? $": {why.GetString()}" : live;
        return $"{rollout.GetProperty("phase").GetString()}{reason}";
    }
}

/// <summary>A steady world's run of the learning loop: the fleet's accuracy per minute, and every training run with its verdict and rollout.</summary>
public sealed record SteadyLoopFigures(int Devices, TimeSpan Duration, long Results, long Timeouts, IReadOnlyList<AccuracyBucket> Minutes, IReadOnlyList<SteadyRunFigures> Runs)
{
    /// <summary>The most the last minute's accuracy may fall short of the first's: a steady world must not be answered worse.</summary>
    public const double Margin = 0.005;

    public AccuracyBucket First => Minutes[0];

    public AccuracyBucket Last => Minutes[^1];

    public bool Held => Last.Accuracy >= First.Accuracy - Margin && Last.ImageAccuracy >= First.ImageAccuracy - Margin;
}

/// <summary>One training run in the steady world: which model, whether an operator asked for it, how it ended, and its rollout's end.</summary>
public sealed record SteadyRunFigures(string RunId, string Model, bool Asked, string State, string Verdict, string? Rollout);

using System.Globalization;
using System.Text;
using System.Text.Json;
using IotAi.Client;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Simulator;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>What <see cref="ImageLoopBenchmark"/> measured.</summary>
/// <param name="Before">The cameras' accuracy before the drift, from the fleet's own truth.</param>
/// <param name="Lowest">Their worst window (<see cref="ImageDriftRecovery.Merge"/> of the timeline's 5 s buckets) after it.</param>
/// <param name="Recovered">Their first window back within <see cref="ImageDriftRecovery.Tolerance"/> of before; null if none came in time.</param>
/// <param name="RecoveredAfter">From the drift to the end of that window.</param>
/// <param name="Registered">From the drift to the silo registering the first retrained version.</param>
/// <param name="Version">That version.</param>
/// <param name="Metrics">Its figures as registered: held-out kept frames, recent traffic, the regression set.</param>
/// <param name="FullBytes">Model-file bytes the silo sent an edge agent that held nothing, for version 1: backbone and head.</param>
/// <param name="HeadBytes">Model-file bytes the silo sent the same agent for the retrained version.</param>
public sealed record ImageLoopFigures(
    double Before, double Lowest, double? Recovered, TimeSpan? RecoveredAfter, TimeSpan Registered, string Version,
    IReadOnlyDictionary<string, double> Metrics, long FullBytes, long HeadBytes)
{
    private static double Window => ImageDriftRecovery.Merge * ImageLoopBenchmark.Bucket.TotalSeconds;

    public string ToMarkdown()
    {
        var s = new StringBuilder();
        void Line(FormattableString text) => s.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"| cameras' accuracy before the drift / worst {Window} s after | {Before:P1} / {Lowest:P1} |");
        Line($"| drift to the retrained head registered (v{Version}) | {Registered.TotalSeconds:F0} s |");
        foreach (var (name, set) in new[] { ("kept frames held out", ""), ("recent traffic", "traffic."), ("v1's regression set", "regression.") })
        {
            var samples = Metrics.GetValueOrDefault(set == "" ? "holdoutSamples" : set + "samples");
            Line($"| … v{Version}'s accuracy on {name} ({samples:0} frames) | {Metrics.GetValueOrDefault(set + "accuracy"):P1} |");
        }

        Line($"| drift to the cameras' recovery (a {Window} s window within {ImageDriftRecovery.Tolerance:P0} of before) | {(RecoveredAfter is { } after ? $"{after.TotalSeconds:F0} s, at {Recovered:P1}" : "not within the run")} |");
        Line($"| bytes the broker sent an edge agent: v1 whole (backbone and head) / v{Version} on the backbone it holds | {FullBytes:N0} / {HeadBytes:N0}: **{HeadBytes / (double)FullBytes:P3}** |");
        return s.ToString();
    }
}

/// <summary>
/// The demo's learning loop on the default image model, a head on ResNet18, through the whole gateway: a silo process
/// with the shipped models and the demo's loop settings, the demo's simulated fleet sending the truth, the drift a
/// minute in, and the silo's own retraining and rollout. The fleet's truth times the cameras' fall and recovery. An edge
/// agent beside the fleet takes version 1 whole and the retrained version as its head alone, and the silo's counter of
/// model bytes sent says what each cost at the broker.
/// </summary>
public static class ImageLoopBenchmark
{
    private const string Model = "shape-classifier";
    private const string AgentId = "bench-edge-camera";
    private static readonly TimeSpan DriftAt = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <summary>The fleet's accuracy is counted per 5 s, as the demo's view counts it.</summary>
    internal static readonly TimeSpan Bucket = TimeSpan.FromSeconds(5);

    /// <param name="loopSettings">The silo settings the demo's learning loop runs with.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<ImageLoopFigures> RunAsync(IReadOnlyList<string> loopSettings, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("iotai-bench-image-loop-");
        await using var silo = await Suite.SuiteSilo.StartAsync([.. loopSettings, $"--Models:ShippedImageModel={ShippedImageModel.ResNet18}"], data, cancellationToken);
        using var api = silo.Connect();
        await LoopParts.UntilAsync(async () => await LoopParts.ReadyAsync(api, cancellationToken), Limit, cancellationToken);
        var key = Directory.EnumerateFiles(new DataLayout(data.FullName).Keys, "*.pub.pem").First();
        // A camera that keeps quiet: the agent is here for its model updates, not its traffic.
        using var agent = await LoopParts.StartAgentAsync(AgentId, silo.MqttPort, data.FullName, key,
            new Dictionary<string, string?> { ["Edge:Sources:0"] = "camera", ["Edge:CameraInterval"] = "01:00:00" }, cancellationToken);
        try
        {
            AnsiConsole.MarkupLine("An edge agent takes version 1 of the image model, backbone and head…");
            var sent = await SentAsync(silo, cancellationToken);
            await api.OfferModelAsync(AgentId, Model, "1", cancellationToken);
            await ActiveAsync(api, "1", cancellationToken);
            var full = await SentAsync(silo, cancellationToken) - sent;

            AnsiConsole.MarkupLineInterpolated($"The demo's fleet, its world drifting after {DriftAt.TotalSeconds:0} s, until the cameras recover (at most {Limit.TotalMinutes:0} minutes)…");
            var (progress, registered, version, metrics) = await DriftAsync(silo, api, cancellationToken);

            // The fleet's devices are answered in the cloud and fetch nothing, so every chunk of the image model from here on
            // is the agent's, whether the loop's own rollout reached it or the offer below does. (The loop's sensor rollouts
            // reach the agent too; they are counted under their own model.)
            AnsiConsole.MarkupLineInterpolated($"The edge agent takes v{version}…");
            sent += full;
            if (!await IsActiveAsync(api, version, cancellationToken))
            {
                await api.OfferModelAsync(AgentId, Model, version, cancellationToken);
            }

            await ActiveAsync(api, version, cancellationToken);
            var head = await SentAsync(silo, cancellationToken) - sent;
            var recovered = progress.Recovered;
            return new ImageLoopFigures(progress.Before ?? 0, progress.Lowest?.Accuracy ?? 0, recovered?.Accuracy,
                recovered is null ? null : recovered.Start + recovered.Width - DriftAt, registered, version, metrics, full, head);
        }
        finally
        {
            await agent.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Runs the fleet through the drift until the cameras recover and a retrained version is registered, or the limit.</summary>
    private static async Task<(LoopProgress Progress, TimeSpan Registered, string Version, IReadOnlyDictionary<string, double> Metrics)> DriftAsync(
        SiloProcess silo, IotAiClient api, CancellationToken cancellationToken)
    {
        var options = new FleetOptions
        {
            Host = "127.0.0.1",
            Port = silo.MqttPort,
            SendTruth = true,
            Drift = new DriftPlan(DriftAt, Sensor: 12, Image: 1),
        };
        await using var fleet = new Fleet(options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = fleet.RunAsync(stop.Token);
        var timeline = new AccuracyTimeline(Bucket);
        var progress = LoopProgress.None;
        (TimeSpan At, ModelSummary Model)? retrained = null;
        try
        {
            await LoopParts.UntilAsync(async () =>
            {
                timeline.Observe(fleet.Statistics.Snapshot());
                progress = ImageDriftRecovery.Of(timeline.Buckets, DriftAt);
                if (retrained is null && fleet.Drifted
                    && (await api.ListModelsAsync(cancellationToken)).FirstOrDefault(static m => m.Name == Model && m.Version != "1") is { } found)
                {
                    retrained = (fleet.Sending - DriftAt, found);
                }

                return retrained is not null && progress.Recovered is not null;
            }, Limit, cancellationToken, throwOnTimeout: false);
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        return retrained is { } r
            ? (progress, r.At, r.Model.Version, r.Model.Metrics)
            : throw new TimeoutException($"The silo registered no retrained {Model} within {Limit.TotalMinutes:0} minutes of the drift.");
    }

    /// <summary>The silo's count of the image model's file bytes sent in chunks, from its own metrics.</summary>
    private static async Task<long> SentAsync(SiloProcess silo, CancellationToken cancellationToken) =>
        (long)PrometheusText.Sum(await silo.ScrapeMetricsAsync(cancellationToken), "iotai_ota_sent_bytes_total", $"iotai_model=\"{Model}\"");

    private static async Task<bool> IsActiveAsync(IotAiClient api, string version, CancellationToken cancellationToken)
    {
        var twin = await api.GetDeviceAsync(AgentId, cancellationToken);
        return twin.TryGetProperty("modelUpdates", out var updates) && updates.ValueKind == JsonValueKind.Object && updates.TryGetProperty(Model, out var update)
            && update.GetProperty("state").GetString() == ModelUpdateStates.Active && update.GetProperty("version").GetString() == version;
    }

    private static Task ActiveAsync(IotAiClient api, string version, CancellationToken cancellationToken) =>
        LoopParts.UntilAsync(() => IsActiveAsync(api, version, cancellationToken), TimeSpan.FromMinutes(2), cancellationToken);
}

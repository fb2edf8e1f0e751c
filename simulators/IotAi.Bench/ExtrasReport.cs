using System.Globalization;
using System.Text;
using IotAi.Edge.Queue;

namespace IotAi.Bench;

/// <summary>
/// The figures of <c>iotai bench extras</c>, written as <c>docs/benchmarks-extras.md</c>: model hot swaps, OTA, the edge
/// agent, the learning loop and telemetry's cost, each measured side by side with its own baseline.
/// </summary>
public sealed record ExtrasReport(
    string Command,
    HotSwapFigures? HotSwap = null,
    OtaFigures? Ota = null,
    EdgeFigures? Edge = null,
    LoopFigures? Loop = null,
    TelemetryFigures? Telemetry = null,
    SteadyLoopFigures? SteadyLoop = null,
    FuzzFigures? Fuzz = null,
    (OverloadPlan Plan, OverloadMeasurement Measurement)? Overload = null,
    IReadOnlyList<GcModeFigures>? GcModes = null,
    StorageFigures? Storage = null,
    IReadOnlyList<Transports.TransportFigures>? Transports = null)
{
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# More benchmarks");
        text.AppendLine();
        text.AppendLine(c, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Suite.MachineDescription.Current()}.");
        text.AppendLine();
        text.AppendLine("Reproduce with:");
        text.AppendLine();
        text.AppendLine("```sh");
        text.AppendLine(Command);
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("Every figure below comes from that one run. The machine is shared and noisy, so compare ratios");
        text.AppendLine("and CPU time per item rather than absolute rates. The headline measures are in [benchmarks.md](benchmarks.md).");
        if (HotSwap is { } hotSwap)
        {
            AppendHotSwap(text, hotSwap);
        }

        if (Ota is { } ota)
        {
            text.AppendLine();
            text.AppendLine(c, $"## A {ota.Megabytes} MiB model over the air to {ota.Devices:N0} devices");
            text.AppendLine();
            text.AppendLine("Gateway: a rollout offers the version to every device at once; each device fetches 64 KiB chunks,");
            text.AppendLine("16 at a time, from the silo, hashes them and reports the version active. Mosquitto: the same chunks");
            text.AppendLine("published once at QoS 1 and fanned out to as many subscribers. Both deliver the same bytes to the");
            text.AppendLine("same number of clients; the time runs from the first offer (or publish) to the last device done. The silo is");
            text.AppendLine("warm, as one that has run for hours: a 1 MiB version went to as many other devices first, and its runtime's");
            text.AppendLine("compiler settled before the measured rollout began.");
            text.AppendLine();
            text.AppendLine("| path | time | delivered MiB/s | chunks/s | broker CPU µs/chunk |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            Row("IotAi gateway (rollout + fetch)", ota.Gateway);
            if (ota.Mosquitto is { } mosquitto)
            {
                Row("Mosquitto QoS 1 fan-out", mosquitto);
                text.AppendLine();
                text.AppendLine(c, $"Gateway ÷ Mosquitto delivery rate: **{ota.Gateway.PerSecond / mosquitto.PerSecond:F2}×**; CPU per chunk {ota.Gateway.CpuMicrosPerItem / mosquitto.CpuMicrosPerItem:F2}× Mosquitto's.");
            }
            else
            {
                text.AppendLine("| Mosquitto | not installed on this machine | | | |");
            }

            void Row(string name, RateMeasurement m) =>
                text.AppendLine(c, $"| {name} | {m.Elapsed.TotalSeconds:F1} s | {m.PerSecond * 64 / 1024:N1} | {m.PerSecond:N0} | {m.CpuMicrosPerItem:F0} |");
        }

        if (Edge is { } edge)
        {
            AppendEdge(text, edge);
        }

        if (Loop is { } loop)
        {
            AppendLoop(text, loop);
        }

        if (SteadyLoop is { } steady)
        {
            SteadyLoopReport.Append(text, steady);
        }

        if (Telemetry is { } telemetry)
        {
            TelemetryReport.Append(text, telemetry);
        }

        FaultsReport.Append(text, Fuzz, Overload);
        if (Storage is { } storage)
        {
            StorageBenchmark.Append(text, storage);
        }

        if (GcModes is { } gcModes)
        {
            GcModesBenchmark.Append(text, gcModes);
        }

        if (Transports is { } transports)
        {
            Bench.Transports.TransportBenchmark.Append(text, transports);
        }

        text.AppendLine();
        text.AppendLine("## Reading the figures");
        text.AppendLine();
        text.AppendLine("- The benchmark's silos take devices without credentials, as the Mosquitto baseline does. With authentication on,");
        text.AppendLine("  a device proves its secret once per connection (one PBKDF2 check per silo, then a digest), never per message.");
        if (Ota is not null)
        {
            text.AppendLine("- In the OTA figure both delivery rates are bounded by the receiving clients, which run on the same");
            text.AppendLine("  cores; CPU per chunk is the broker process's own. The gateway serves each device its own chunks on");
            text.AppendLine("  request (resumable, from any silo), straight into the device's session from an in-memory cache of");
            text.AppendLine("  recent chunks, where Mosquitto copies one publish to every subscriber.");
        }
        text.AppendLine();
        return text.ToString();
    }

    private static void AppendHotSwap(StringBuilder text, HotSwapFigures hotSwap)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## Inference latency during a hot swap");
        text.AppendLine();
        text.AppendLine("Four callers infer with the sensor model through the model host without pause: first with one version");
        text.AppendLine("serving, then while the active version is promoted back and forth twice a second (each promotion loads,");
        text.AppendLine("warms and swaps in the other version).");
        text.AppendLine();
        text.AppendLine("| phase | p50 | p99 | max | inferences |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        text.AppendLine(c, $"| steady | {hotSwap.Steady.P50Ms:F3} ms | {hotSwap.Steady.P99Ms:F3} ms | {hotSwap.Steady.MaxMs:F1} ms | {hotSwap.Steady.Count:N0} |");
        text.AppendLine(c, $"| {hotSwap.Swaps} swaps | {hotSwap.Swapping.P50Ms:F3} ms | {hotSwap.Swapping.P99Ms:F3} ms | {hotSwap.Swapping.MaxMs:F1} ms | {hotSwap.Swapping.Count:N0} |");
        text.AppendLine();
        text.AppendLine(c, $"p99 while swapping ÷ steady p99: **{hotSwap.Swapping.P99Ms / hotSwap.Steady.P99Ms:F2}×**; failed inferences: **{hotSwap.Failures}**.");
    }

    private static void AppendEdge(StringBuilder text, EdgeFigures edge)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## The edge agent");
        text.AppendLine();
        text.AppendLine("**Queue appends.** Sensor readings (about 120 bytes of JSON each) into the on-disk queue, one SQLite");
        text.AppendLine("file on this machine's disk, by 1 or 8 sources at once. `PowerLoss` flushes every commit to disk;");
        text.AppendLine("`ProcessCrash` leaves the flush to SQLite's checkpoints. Concurrent enqueues share one commit.");
        text.AppendLine();
        text.AppendLine("| durability | sources | samples/s | CPU µs/sample |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var (durability, writers, rate) in edge.Appends)
        {
            text.AppendLine(c, $"| {durability} | {writers} | {rate.PerSecond:N0} | {rate.CpuMicrosPerItem:F0} |");
        }

        var safe = edge.Appends.First(a => a.Durability == QueueDurability.PowerLoss && a.Writers == 1).Rate;
        var fast = edge.Appends.First(a => a.Durability == QueueDurability.ProcessCrash && a.Writers == 1).Rate;
        text.AppendLine();
        text.AppendLine(c, $"Flushing every commit costs a single source {fast.PerSecond / safe.PerSecond:F1}× in rate (the disk's flush time), and nothing a");
        text.AppendLine("source notices at sensor rates; under concurrent load the group commit shares each flush.");
        text.AppendLine();
        text.AppendLine(c, $"**Drain after an outage.** A real agent starts with {EdgeBenchmark.Backlog:N0} readings queued and sends them to Mosquitto");
        text.AppendLine("at QoS 1; the time runs from its start (connection included) to an empty queue. *Agent CPU* is the");
        text.AppendLine("benchmark process's, which holds the agent.");
        text.AppendLine();
        if (edge.Drains.Count == 0)
        {
            text.AppendLine("Mosquitto is not installed on this machine, so the drain was not measured.");
        }
        else
        {
            text.AppendLine("| publishes in flight | time | drained/s | agent CPU µs/message |");
            text.AppendLine("|---:|---:|---:|---:|");
            foreach (var (inFlight, rate) in edge.Drains)
            {
                text.AppendLine(c, $"| {inFlight} | {rate.Elapsed.TotalSeconds:F2} s | {rate.PerSecond:N0} | {rate.CpuMicrosPerItem:F0} |");
            }

            text.AppendLine();
            text.AppendLine(c, $"Pipelined ÷ one at a time: **{edge.Drains[0].Rate.PerSecond / edge.Drains[^1].Rate.PerSecond:F1}×**. On a link with real round trips the gap grows with the latency.");
        }

        var raw = edge.RawBatch1;
        text.AppendLine();
        text.AppendLine("**Local inference.** The agent answering one reading at a time with the sensor model (JSON read,");
        text.AppendLine("batcher, session, quality count), against ONNX Runtime called bare at batch 1 in the same run.");
        text.AppendLine();
        text.AppendLine("| path | samples/s | CPU µs/sample |");
        text.AppendLine("|---|---:|---:|");
        text.AppendLine(c, $"| agent local inference | {edge.LocalInference.PerSecond:N0} | {edge.LocalInference.CpuMicrosPerItem:F1} |");
        text.AppendLine(c, $"| raw ONNX Runtime, batch 1 | {raw.PerSecond:N0} | {raw.CpuMicrosPerItem:F1} |");
        text.AppendLine();
        text.AppendLine(c, $"Agent ÷ raw: **{edge.LocalInference.PerSecond / raw.PerSecond:F2}×** the rate.");
    }

    private static void AppendLoop(StringBuilder text, LoopFigures loop)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## The learning loop, from drift to recovery");
        text.AppendLine();
        text.AppendLine(c, $"{loop.Devices} real edge agents (a reading every 20 ms each) against a silo in its own process. The agents keep");
        text.AppendLine("their truth to themselves, to measure their own accuracy: the silo's labels come from a teacher, a larger model trained");
        text.AppendLine("beforehand on readings from baselines 0 to 18 degrees up, which labels kept samples where it is at least 90 % sure.");
        text.AppendLine("The simulated sensors' temperature baseline moves by 12 degrees at once; the silo keeps samples (a random");
        text.AppendLine(c, $"30 % share plus anomalies and disagreements); once {loop.Labels:N0} are kept and labelled a run retrains, the winner is rolled");
        text.AppendLine("out to all devices, and the agents' own accuracy is measured again.");
        text.AppendLine();
        text.AppendLine("| phase | time |");
        text.AppendLine("|---|---:|");
        text.AppendLine(c, $"| capture ({loop.Labels:N0} samples kept) | {loop.Capture.TotalSeconds:F1} s |");
        text.AppendLine(c, $"| labelling (the teacher's last pass after that) | {loop.Labelling.TotalSeconds:F1} s |");
        text.AppendLine(c, $"| training (snapshot, replay of {loop.ReplayRows:N0} old rows, ML.NET, ONNX export) | {loop.TrainingSeconds:F1} s |");
        text.AppendLine(c, $"| evaluation (both versions on recent traffic, the regression set and the holdout) | {loop.EvaluationSeconds:F2} s |");
        text.AppendLine(c, $"| the whole run, as the API saw it | {loop.Run.TotalSeconds:F1} s |");
        text.AppendLine(c, $"| rollout (offer, transfer, verify, activate; quality gates) | {loop.Rollout.TotalSeconds:F1} s |");
        text.AppendLine(c, $"| measuring the recovered accuracy (600 answers) | {(loop.Total - loop.Capture - loop.Labelling - loop.Run - loop.Rollout).TotalSeconds:F1} s |");
        text.AppendLine(c, $"| **drift to recovery** | **{loop.Total.TotalSeconds:F1} s** |");
        text.AppendLine();
        text.AppendLine(c, $"Edge-measured accuracy: **{loop.AccuracyBefore:P1}** before the drift, **{loop.AccuracyAfter:P1}** after the new version.");
        text.AppendLine();
        text.AppendLine("The safety checks on the way, each with the old version's figure and the candidate's:");
        text.AppendLine();
        text.AppendLine("| scored on | samples | old version | candidate |");
        text.AppendLine("|---|---:|---:|---:|");
        if (loop.Traffic is { } traffic)
        {
            text.AppendLine(c, $"| recent traffic (evaluation samples, labelled by the teacher, never trained on) | {traffic.Samples:N0} | {traffic.Current:P1} | {traffic.Candidate:P1} |");
        }

        if (loop.Regression is { } regression)
        {
            text.AppendLine(c, $"| the old version's regression set | {regression.Samples:N0} | {regression.Current:P1} | {regression.Candidate:P1} |");
        }

        text.AppendLine(c, $"| kept samples held out | | {loop.CurrentHoldoutAccuracy:P1} | {loop.CandidateHoldoutAccuracy:P1} |");
        text.AppendLine();
        foreach (var gate in loop.Gates)
        {
            text.AppendLine(c, $"- gate: {gate}");
        }

        if (loop.RolloutQuality is { } quality)
        {
            text.AppendLine(c, $"- rollout quality gate (the agents' own reports): {quality}");
        }
    }
}

/// <summary>The OTA figures of one run.</summary>
public sealed record OtaFigures(int Devices, int Megabytes, RateMeasurement Gateway, RateMeasurement? Mosquitto);

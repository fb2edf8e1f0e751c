using System.Globalization;
using System.Text;

namespace IotAi.Bench.Suite;

/// <summary>The detail behind each headline figure: how it was measured and every number it came from.</summary>
public static class SuiteSections
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Append(StringBuilder text, SuiteFigures f)
    {
        Section(text, "1. Ingest", "1,000 devices each keep two 256-byte QoS 1 readings in flight. The gateway's answer is the PUBACK,",
            "which leaves once the device grain has taken and stored the reading; the readings say `\"escalate\": false` (answered",
            "at the edge), so no model runs. Mosquitto's answer is the delivery of the same reading to the device's own",
            "subscription: one publish in, one delivery out.",
            "",
            "Each broker is driven by the same fleet for a warm-up first: at least 5 s and, for the silo, until its runtime's",
            "just-in-time compiler settles (under 1 % of a core over 3 s; a fresh silo under this load compiles for about half a",
            "core over its first half minute), so the window measures a silo as it runs for hours, not as it starts.");
        Brokers(text, f.Ingest.Gateway, f.Ingest.Mosquitto);
        text.AppendLine(C, $"Gateway ÷ Mosquitto: **{f.Ingest.RateRatio:F2}×** the rate, **{f.Ingest.CpuRatio:F2}×** the CPU per message.");

        Section(text, "2. The sensor model end to end", "The same fleet, each reading now answered by the sensor model: MQTT in, device grain, batched",
            "inference, twin written, result published to the device. Mosquitto as in measure 1.");
        Brokers(text, f.Sensor.Gateway, f.Sensor.Mosquitto);
        text.AppendLine(C, $"Gateway ÷ Mosquitto: **{f.Sensor.RateRatio:F2}×** the rate, **{f.Sensor.CpuRatio:F2}×** the CPU per message.");

        if (f.External is { } external)
        {
            Section(text, "2b. The sensor model end to end, silos behind Mosquitto", "External broker mode (`Mqtt:External:Host`): the same fleet publishes to Mosquitto; a silo attached",
                "to it takes the readings from `$share/iotai/devices/+/up/#` and publishes each result back through it. CPU is the silo's and",
                "Mosquitto's together. The baseline is measure 2's Mosquitto alone.");
            Brokers(text, external.Gateway, external.Mosquitto);
            text.AppendLine(external.Gateway.Rate.Items > 0
                ? string.Create(C, $"Silo behind Mosquitto ÷ Mosquitto alone: **{external.RateRatio:F2}×** the rate, **{external.CpuRatio:F2}×** the CPU per message.")
                : string.Create(C, $"Silo behind Mosquitto ÷ Mosquitto alone: **0×** the rate: nothing was answered in the window ({external.Gateway.Timeouts:N0} readings timed out)."));
        }

        Section(text, "3. The image model end to end", "This is the small image model on raw 32×32 pixels (`Models:ShippedImageModel=Pixels`). The shipped default, a",
            "head on ResNet18, is measured the same way by `iotai bench backbone` (0.96× in the last run).",
            "",
            "100 devices each keep two 64×64 JPEG frames in flight; the gateway decodes, resizes and classifies",
            "each one and answers it. The baseline calls `InferenceSession.Run` in a tight loop on one thread, inputs prepared in",
            "advance, at the mean batch size the silo's model ran during the gateway's run.");
        text.AppendLine("| path | images/s | CPU µs/image | batch |");
        text.AppendLine("|---|---:|---:|---:|");
        text.AppendLine(C, $"| IotAi gateway | {f.Image.Gateway.Rate.PerSecond:N0} | {f.Image.Gateway.Rate.CpuMicrosPerItem:F0} | {f.Image.MeanBatch:F1} (mean) |");
        text.AppendLine(C, $"| raw ONNX Runtime | {f.Image.Raw.PerSecond:N0} | {f.Image.Raw.CpuMicrosPerItem:F1} | {f.Image.RawBatch} |");
        text.AppendLine(C, $"| preprocessing alone (JPEG decode, resize, scale) | {f.Image.Preprocessing.PerSecond:N0} | {f.Image.Preprocessing.CpuMicrosPerItem:F1} | 1 |");
        text.AppendLine();
        text.AppendLine(C, $"Gateway ÷ raw: **{f.Image.Ratio:F3}×**.");

        var callers = f.Batching[0].Callers;
        Section(text, "4. Dynamic batching", C, $"{callers} concurrent callers infer through the silo's model host (its queue, batcher and session) in this",
            "process: once batching up to the model's batch limit, once one sample per call.");
        text.AppendLine("| model | batched samples/s | mean batch | one per call, samples/s | speed-up | CPU µs/sample, batched | CPU µs/sample, one per call |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var b in f.Batching)
        {
            text.AppendLine(C, $"| {b.Model} | {b.Batched.PerSecond:N0} | {b.MeanBatch:F1} | {b.Single.PerSecond:N0} | **{b.Speedup:F1}×** | {b.Batched.CpuMicrosPerItem:F1} | {b.Single.CpuMicrosPerItem:F1} |");
        }

        text.AppendLine();
        Section(text, "5. Latency at half the maximum rate", C, $"The fleet paces itself at {f.Latency.PerSecond:N0} readings/s, half the gateway's maximum in measure 2",
            string.Create(C, $"({f.Latency.MaxPerSecond:N0}/s), against both brokers; latency runs from the publish to the answer (the result, or Mosquitto's delivery)."));
        text.AppendLine("| broker | answered/s | p50 | p90 | p99 | max |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var m in new[] { f.Latency.Gateway, f.Latency.Mosquitto })
        {
            text.AppendLine(C, $"| {m.Server} | {m.Rate.PerSecond:N0} | {m.Latency.P50Ms:F2} ms | {m.Latency.P90Ms:F2} ms | {m.Latency.P99Ms:F2} ms | {m.Latency.MaxMs:F1} ms |");
        }

        text.AppendLine();
        text.AppendLine(C, $"Gateway p99 ÷ Mosquitto p99: **{f.Latency.P99Ratio:F2}×**.");

        Section(text, "6. Memory per idle device", C, $"{f.Memory.Gateway.Devices:N0} devices connect over {Addresses(f.Memory.Gateway.Devices)} loopback addresses, report their twin (which activates",
            "the device's grain on the gateway) and go idle. The figure is the growth of the broker's resident memory, from a baseline",
            "taken after a first 50 devices, to when it settles, divided by the devices.");
        if (f.Memory.Gateway.Devices < f.Memory.Requested)
        {
            text.AppendLine(C, $"Only {f.Memory.Gateway.Devices:N0} of the {f.Memory.Requested:N0} devices asked for: the open-file limit could not be raised further (that takes the privilege to raise resource limits, CAP_SYS_RESOURCE, which this process lacked).");
            text.AppendLine();
        }

        text.AppendLine("| broker | devices | RSS before | RSS after | per device | connecting took |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var m in new[] { f.Memory.Gateway, f.Memory.Mosquitto })
        {
            text.AppendLine(C, $"| {m.Server} | {m.Devices:N0} | {m.BytesBefore / 1048576.0:N0} MiB | {m.BytesAfter / 1048576.0:N0} MiB | **{m.BytesPerDevice / 1024:F1} KB** | {m.Connecting.TotalSeconds:F0} s |");
        }

        var s = f.Steady;
        Section(text, "7. Allocations and collections in a steady run", C, $"The sensor fleet of measure 5 runs for {s.Fleet.Rate.Elapsed.TotalMinutes:F0} minutes at {f.Latency.PerSecond:N0} readings/s; the silo's own",
            ".NET counters (`System.Runtime`, scraped from its `/metrics`) give the bytes it allocated and the collections it ran over the run.");
        text.AppendLine("| answered | answered/s | allocated per message | payload | Gen0 | Gen1 | Gen2 | p99 |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        text.AppendLine(C, $"| {s.Fleet.Rate.Items:N0} | {s.Fleet.Rate.PerSecond:N0} | **{s.BytesPerMessage:N0} B** ({s.PayloadMultiple:F1}× payload) | {s.PayloadBytes} B | {s.Gen0:N0} | {s.Gen1:N0} | **{s.Gen2:N0}** | {s.Fleet.Latency.P99Ms:F2} ms |");
        SuiteGaps.Append(text, f);
    }

    private static void Brokers(StringBuilder text, FleetMeasurement gateway, FleetMeasurement mosquitto)
    {
        text.AppendLine("| broker | devices | answered/s | CPU µs/message | p50 | p99 | unanswered | warmed up for |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in new[] { gateway, mosquitto })
        {
            // A broker that answered nothing in the window has no CPU per message and no latency to show.
            var answered = m.Rate.Items > 0;
            text.AppendLine(C, $"| {m.Server} | {m.Devices:N0} | {m.Rate.PerSecond:N0} | {(answered ? m.Rate.CpuMicrosPerItem.ToString("F0", C) : "–")} | {(answered ? $"{m.Latency.P50Ms.ToString("F2", C)} ms" : "–")} | {(answered ? $"{m.Latency.P99Ms.ToString("F2", C)} ms" : "–")} | {m.Timeouts:N0} | {m.WarmedFor.TotalSeconds:F0} s |");
        }

        text.AppendLine();
    }

    /// <summary>How many loopback addresses the fleet's devices spread over: the first devices take one each in turn.</summary>
    private static int Addresses(int devices)
    {
        var fleet = new Simulator.FleetOptions { Host = "127.0.0.1", Devices = devices };
        return Enumerable.Range(0, Math.Min(devices, 254)).Select(fleet.LocalAddress).Distinct().Count();
    }

    private static void Section(StringBuilder text, string title, params string[] lines)
    {
        text.AppendLine();
        text.AppendLine(C, $"## {title}");
        text.AppendLine();
        foreach (var line in lines)
        {
            text.AppendLine(line);
        }

        text.AppendLine();
    }

    private static void Section(StringBuilder text, string title, IFormatProvider provider, FormattableString first, params string[] lines) =>
        Section(text, title, [first.ToString(provider), .. lines]);
}

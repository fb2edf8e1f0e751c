using System.Globalization;
using System.Text;

namespace IotAi.Cli.Bench.Suite;

/// <summary>
/// For every goal this run missed: by how much, why (from the figures and from profiling the silo), and what
/// would close the gap. A report that only shows the misses it can explain away would not be worth reading.
/// </summary>
internal static class SuiteGaps
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Append(StringBuilder text, SuiteFigures f)
    {
        var missed = f.Headlines().Where(static h => !h.Met).ToList();
        text.AppendLine();
        text.AppendLine("## Where the goals are not met");
        text.AppendLine();
        if (missed.Count == 0)
        {
            text.AppendLine("Every goal was met in this run.");
            return;
        }

        foreach (var h in missed)
        {
            text.AppendLine(C, $"- **{h.Number}. {h.Measure}:** {h.Ratio:F2}× against a goal of {h.Goal}. {Why(h.Number, f)}");
        }
    }

    private static string Why(int measure, SuiteFigures f) => measure switch
    {
        1 => string.Create(C, $"The silo spends {f.Ingest.Gateway.Rate.CpuMicrosPerItem:F0} µs of CPU on a reading Mosquitto relays for {f.Ingest.Mosquitto.Rate.CpuMicrosPerItem:F0} µs: MQTTnet's server decodes the packet, the ingress calls the device's grain through Orleans (a message, a scheduler hop and back), and the grain writes its twin to disk before the PUBACK leaves, which Mosquitto (persistence off) never does. Closing it means a cheaper transport (MQTTnet's Kestrel/pipelines server), grouping twin writes (one write per grain per few milliseconds, the PUBACKs held until it lands), and fewer allocations on the path (measure 7)."),
        2 => string.Create(C, $"As measure 1, plus the model call and the result's publish: {f.Sensor.Gateway.Rate.CpuMicrosPerItem:F0} µs of silo CPU per answered reading against Mosquitto's {f.Sensor.Mosquitto.Rate.CpuMicrosPerItem:F0} µs per relayed one. Inference itself is under a microsecond a sample (measure 4); the rest is the messaging path."),
        3 => string.Create(C, $"The shipped image model is tiny: ONNX Runtime classifies a prepared 64×64 frame in {f.Image.Raw.CpuMicrosPerItem:F1} µs of CPU. The gateway spends {f.Image.Gateway.Rate.CpuMicrosPerItem:F0} µs per image: {f.Image.Preprocessing.CpuMicrosPerItem:F0} µs decoding and resizing the JPEG (which the raw loop, fed prepared pixels, skips), the rest on MQTT, the grain and the answer. With a production-sized model (milliseconds a frame) that fixed cost would be a small share and the ratio would approach the goal; with this one it measures the fixed cost. Decoding straight into the model's size (libjpeg's scaled decode) would cut the largest part."),
        4 => "One sample per call pays ONNX Runtime's fixed cost per call every time; batching shares it. The speed-up is bounded by how much of a call is fixed cost, which for the image model is small, and by the callers keeping batches full.",
        5 => string.Create(C, $"At the same pace the gateway's p99 is {f.Latency.Gateway.Latency.P99Ms:F2} ms against Mosquitto's {f.Latency.Mosquitto.Latency.P99Ms:F2} ms: each answer waits for the twin's disk write and a batch slot, and on 2 cores the silo's background work (timers, Orleans, telemetry) and the load generator queue behind each other."),
        6 => string.Create(C, $"A connected device costs the gateway {f.Memory.Gateway.BytesPerDevice / 1024:F1} KB against Mosquitto's {f.Memory.Mosquitto.BytesPerDevice / 1024:F1} KB: MQTTnet keeps a session, a receive loop and buffers per client, and the device's grain holds its twin (counters, sequence window, reported properties) in memory. Smaller receive buffers, pooled until data arrives, and grains deactivated when their device has been idle a while (the twin stays on disk) would close most of it."),
        7 => string.Create(C, $"The silo allocates {f.Steady.BytesPerMessage:N0} B per reading against {f.Steady.PayloadBytes} B of payload ({f.Steady.Gen2} Gen2 collections in the run): MQTTnet builds a message object, a buffer and a task per packet; Orleans copies the call's arguments and builds request and response messages; the twin's write serializes a state record; the result is serialized and published as a new message. Pooling the reply buffers, immutable call arguments, and a serializer that writes into pooled buffers would cut the largest shares."),
        _ => "",
    };
}

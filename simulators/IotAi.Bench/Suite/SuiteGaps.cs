using System.Globalization;
using System.Text;

namespace IotAi.Bench.Suite;

/// <summary>
/// For every goal this run missed: by how much, why (from the figures and from profiling the silo), and what
/// would close the gap. A report that only shows the misses it can explain away would not be worth reading.
/// </summary>
public static class SuiteGaps
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
        1 => string.Create(C, $"The silo spends {f.Ingest.Gateway.Rate.CpuMicrosPerItem:F0} µs of CPU on a reading Mosquitto relays for {f.Ingest.Mosquitto.Rate.CpuMicrosPerItem:F0} µs, and on 2 cores the load generator gets what the broker leaves. The transport is not where the gap is: a bare MQTTnet broker that acknowledges and drops each reading of this load costs 20 to 32 µs a message, on the listener the silo runs and on Kestrel's alike (benchmarks-extras.md, *MQTTnet's transports*). The rest is the gateway's work per reading: the ingress's checks, Orleans' grain call (two messages and a scheduler hop each way) and the twin's record in the silo's state journal before the PUBACK leaves, which Mosquitto, with persistence off, never does. What would close it: a grain call that builds fewer messages per uplink (several readings of a connection in one call)."),
        2 => string.Create(C, $"As measure 1, plus the model call, the twin's counters, the result's serialization and its publish: {f.Sensor.Gateway.Rate.CpuMicrosPerItem:F0} µs of silo CPU per answered reading against Mosquitto's {f.Sensor.Mosquitto.Rate.CpuMicrosPerItem:F0} µs per relayed one. Inference itself costs about a microsecond a sample (measure 4); samples kept for learning (the simulator's readings are 10 % anomalies, all kept until the hourly quota) add a record each to a segment file, written with the others kept meanwhile, off the grain's turn. The same changes as for measure 1 apply; the result is already written straight into a per-thread buffer."),
        3 => string.Create(C, $"The shipped default, a head on ResNet18, meets the goal at 0.96× (`iotai bench backbone`); this measure runs the small image model, which is tiny: ONNX Runtime classifies a prepared 32×32 frame in {f.Image.Raw.CpuMicrosPerItem:F1} µs of CPU. The gateway spends {f.Image.Gateway.Rate.CpuMicrosPerItem:F0} µs per image: {f.Image.Preprocessing.CpuMicrosPerItem:F0} µs decoding and resizing the JPEG (which the raw loop, fed prepared pixels, skips), the rest on MQTT, the grain and the answer. With a production-sized model (milliseconds a frame) that fixed cost would be a small share and the ratio would approach the goal; with this one it measures the fixed cost. Decoding straight at the model's size (JPEG's scaled decode) would cut the largest part."),
        4 => "One sample per call pays ONNX Runtime's fixed cost per call every time; batching shares it, so the speed-up is bounded by how much of a call is fixed cost and by what the host adds per request (a pooled request, its queueing and its answer, about a microsecond). The sensor model's calls are nearly all fixed cost; the image model's are not.",
        5 => string.Create(C, $"At the same pace the gateway's p50 is {f.Latency.Gateway.Latency.P50Ms:F2} ms against Mosquitto's {f.Latency.Mosquitto.Latency.P50Ms:F2} ms, but its tail is long: p99 {f.Latency.Gateway.Latency.P99Ms:F2} ms against {f.Latency.Mosquitto.Latency.P99Ms:F2} ms. The tail is the garbage collector's: a GC trace of a silo under this load (1,000 devices, 6,300 readings a second) found a collection about once a second, each pausing the silo 15 to 42 ms, and every reading that arrives in a pause waits it out. Each young collection promoted 1.5 to 3.1 MB, 98 % of it reached through older objects (the runtime's mark-by-type events): a connection's receive loop lives long and holds the fresh state machines and buffers of the read it waits on, so a collection copies some 3 KB per connected device however few readings are in flight. The silo now runs the server collector without DATAS, which marks on both cores and keeps a gen0 budget per core: on a warm silo at this pace it collected 7 times in 15 s against the workstation collector's 18 and paused a third as long, with p99 at 23 and 42 ms against 160 and 176 ms (benchmarks-extras.md, *Garbage collector settings*). What is left is each collection still copying what the connections' reads hold; allocating less per read would shorten the pauses further."),
        6 => string.Create(C, $"A connected device costs the gateway {f.Memory.Gateway.BytesPerDevice / 1024:F1} KB of resident memory against Mosquitto's {f.Memory.Mosquitto.BytesPerDevice / 1024:F1} KB. A heap dump at 3,000 devices finds 14.5 KB live per device: MQTTnet's per-connection state about 5 KB (receive and send loops, session and its items, subscriptions, packet queues, a lock's 64-slot waiter array, the CONNECT kept), the socket about 1.2 KB, Orleans' activation about 1.8 KB, the twin about 1.3 KB (ten dictionaries, most of them empty), the gateway's own per-connection parts about 1 KB, and the strings, dictionaries and locks these hold. MQTTnet on Kestrel's transport keeps no less per idle connection (1.03 to 1.06× in benchmarks-extras.md); `System.GC.ConserveMemory` trims the collector's headroom, not the live state. Closing it needs a twin that keeps no empty dictionaries and a connection that holds its loops' state only while data flows, which MQTTnet does not offer.{(f.Memory.Gateway.Devices < 50_000 ? " This machine's open-file limit, which the benchmark could not raise, held the run below the 50,000 devices the goal names." : "")}"),
        7 => string.Create(C, $"The silo allocates {f.Steady.BytesPerMessage:N0} B per reading against {f.Steady.PayloadBytes} B of payload ({f.Steady.Gen2} Gen2 collections in the run). The largest shares are outside the gateway's code: MQTTnet's receive loop (a packet object, its payload buffer and the dispatch's state machines per PUBLISH, and the PUBACK), and Orleans' grain call (request and response messages, callback data, the invoke's state machines). The gateway's own are the twin write's ETag string, the result's JSON (written into a per-thread buffer, then copied once into the reply) and the async state of its handler, its grain call and its answerer; the grain keeps the payload array MQTTnet decoded, and a labelled reading's label is read without building the whole reading. A bare MQTTnet broker allocates 3.1 KB per reading of this load on the listener the silo runs and 2.0 KB on Kestrel's transport (benchmarks-extras.md), so about 7 KB of the silo's figure is the gateway and Orleans; getting near 2× the payload needs a grain call that does not build messages per uplink more than it needs another transport. The Gen2 collections are all background ones, started because objects that outlived two younger collections filled Gen2's budget (a GC trace of a steady run): messages in flight when a collection ran, and new objects hung off twins, which live long. The silo image's 64 MiB gen0 budget cut those promotions about fortyfold, not to zero; fewer allocations would leave fewer in flight."),
        _ => "",
    };
}

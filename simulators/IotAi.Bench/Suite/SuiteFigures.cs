using IotAi.Simulator;
using static System.FormattableString;

namespace IotAi.Bench.Suite;

/// <summary>The same fleet against the gateway and against Mosquitto, in one run.</summary>
public sealed record BrokerComparison(FleetMeasurement Gateway, FleetMeasurement Mosquitto)
{
    public double RateRatio => Gateway.Rate.PerSecond / Mosquitto.Rate.PerSecond;

    public double CpuRatio => Gateway.Rate.CpuMicrosPerItem / Mosquitto.Rate.CpuMicrosPerItem;
}

/// <summary>
/// Images through the gateway, against ONNX Runtime called bare at the batch size the gateway formed; and the
/// frame preprocessing alone, which the bare loop (fed prepared pixels) skips.
/// </summary>
public sealed record ImageComparison(FleetMeasurement Gateway, double MeanBatch, int RawBatch, RateMeasurement Raw, RateMeasurement Preprocessing)
{
    public double Ratio => Gateway.Rate.PerSecond / Raw.PerSecond;
}

/// <summary>One model through the model host by many concurrent callers, batched and one sample per call.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Single is a batch of one, as docs/benchmarks.json has named it")]
public sealed record BatchingComparison(string Model, int Callers, int MaxBatch, RateMeasurement Batched, double MeanBatch, RateMeasurement Single)
{
    public double Speedup => Batched.PerSecond / Single.PerSecond;
}

/// <summary>Publish→answer latency at the same paced rate on both brokers.</summary>
public sealed record LatencyComparison(double PerSecond, double MaxPerSecond, FleetMeasurement Gateway, FleetMeasurement Mosquitto)
{
    public double P99Ratio => Gateway.Latency.P99Ms / Mosquitto.Latency.P99Ms;
}

/// <summary>A broker's resident memory before and after a fleet connected and went idle.</summary>
public sealed record IdleMemory(string Server, int Devices, long BytesBefore, long BytesAfter, TimeSpan Connecting)
{
    public double BytesPerDevice => (BytesAfter - BytesBefore) / (double)Devices;
}

/// <summary>Both brokers with the same idle fleet.</summary>
/// <param name="Requested">Devices asked for; fewer connect when the machine's open-file limit cannot be raised.</param>
/// <param name="Gateway">The silo's figure.</param>
/// <param name="Mosquitto">Mosquitto's figure.</param>
public sealed record IdleMemoryComparison(int Requested, IdleMemory Gateway, IdleMemory Mosquitto)
{
    public double Ratio => Gateway.BytesPerDevice / Mosquitto.BytesPerDevice;
}

/// <summary>The silo's garbage collector over a long steady run at half the maximum rate.</summary>
public sealed record SteadyRun(FleetMeasurement Fleet, int PayloadBytes, double AllocatedBytes, long Gen0, long Gen1, long Gen2)
{
    public double BytesPerMessage => AllocatedBytes / Fleet.Rate.Items;

    public double PayloadMultiple => BytesPerMessage / PayloadBytes;
}

/// <summary>Every figure of one suite run, as docs/benchmarks.md and its JSON twin report them.</summary>
public sealed record SuiteFigures(
    MachineDescription Machine,
    string Command,
    DateTimeOffset Measured,
    BrokerComparison Ingest,
    BrokerComparison Sensor,
    ImageComparison Image,
    IReadOnlyList<BatchingComparison> Batching,
    LatencyComparison Latency,
    IdleMemoryComparison Memory,
    SteadyRun Steady,
    BrokerComparison? External = null)
{
    /// <summary>The seven measures the product is held to, each with its baseline and goal.</summary>
    public IReadOnlyList<Headline> Headlines()
    {
        var sensorBatching = Batching.First(b => b.Model == Training.DefaultModels.SensorModelName);
        var imageBatching = Batching.First(b => b.Model == Training.DefaultModels.ImageModelName);
        return
        [
            new(1, "Ingest rate, QoS 1, 256 B, 1,000 devices, null model", Rate(Ingest.Gateway), Invariant($"Mosquitto {Rate(Ingest.Mosquitto)}"), Ingest.RateRatio, "≥ 0.8×", Ingest.RateRatio >= 0.8),
            new(2, "End to end with the sensor model", Rate(Sensor.Gateway), Invariant($"Mosquitto {Rate(Sensor.Mosquitto)}"), Sensor.RateRatio, "≥ 0.5×", Sensor.RateRatio >= 0.5),
            new(3, "End to end with the small image model", Rate(Image.Gateway), Invariant($"raw ONNX Runtime, batch {Image.RawBatch}: {Image.Raw.PerSecond:N0}/s"), Image.Ratio, "≥ 0.8×", Image.Ratio >= 0.8),
            new(4, "Dynamic batching, sensor model", Invariant($"{sensorBatching.Batched.PerSecond:N0}/s"), Invariant($"batch 1: {sensorBatching.Single.PerSecond:N0}/s"), sensorBatching.Speedup, "≥ 5×", sensorBatching.Speedup >= 5),
            new(4, "Dynamic batching, image model", Invariant($"{imageBatching.Batched.PerSecond:N0}/s"), Invariant($"batch 1: {imageBatching.Single.PerSecond:N0}/s"), imageBatching.Speedup, "≥ 1× (never slower)", imageBatching.Speedup >= 1),
            new(5, Invariant($"p99 publish→result at {Latency.PerSecond:N0}/s (50 % of max)"), Invariant($"p50 {Latency.Gateway.Latency.P50Ms:F2} ms, p99 {Latency.Gateway.Latency.P99Ms:F2} ms"),
                Invariant($"Mosquitto p50 {Latency.Mosquitto.Latency.P50Ms:F2} ms, p99 {Latency.Mosquitto.Latency.P99Ms:F2} ms"), Latency.P99Ratio, "≤ 2×", Latency.P99Ratio <= 2),
            new(6, Invariant($"Memory per idle device, {Memory.Gateway.Devices:N0} devices"), Invariant($"{Memory.Gateway.BytesPerDevice / 1024:F1} KB"), Invariant($"Mosquitto {Memory.Mosquitto.BytesPerDevice / 1024:F1} KB"),
                Memory.Ratio, "≤ 8 KB each", Memory.Gateway.BytesPerDevice <= 8 * 1024 && Memory.Gateway.Devices >= 50_000),
            new(7, Invariant($"Allocations per message; Gen2 in {Steady.Fleet.Rate.Elapsed.TotalMinutes:F0} min"), Invariant($"{Steady.BytesPerMessage:N0} B; {Steady.Gen2} Gen2"), Invariant($"payload {Steady.PayloadBytes} B"),
                Steady.PayloadMultiple, "≤ 2× payload; 0 Gen2", Steady.PayloadMultiple <= 2 && Steady.Gen2 == 0),
        ];

        static string Rate(FleetMeasurement m) => Invariant($"{m.Rate.PerSecond:N0}/s at {m.Rate.CpuMicrosPerItem:F0} µs CPU");
    }
}

/// <summary>One row of the headline table.</summary>
/// <param name="Number">The measure's number in the list.</param>
/// <param name="Measure">What was measured.</param>
/// <param name="Ours">The gateway's figure.</param>
/// <param name="Baseline">The baseline's figure, from the same run.</param>
/// <param name="Ratio">Ours ÷ the baseline; for allocations, bytes per message ÷ payload bytes.</param>
/// <param name="Goal">The goal, as the issue states it.</param>
/// <param name="Met">Whether this run met it.</param>
public sealed record Headline(int Number, string Measure, string Ours, string Baseline, double Ratio, string Goal, bool Met);

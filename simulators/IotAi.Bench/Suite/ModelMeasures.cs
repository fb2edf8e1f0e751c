using IotAi.Models;
using System.Diagnostics;
using IotAi.Inference;
using IotAi.Protocol;
using IotAi.Simulator;
using IotAi.Training;
using Spectre.Console;

namespace IotAi.Bench.Suite;

/// <summary>
/// Measures 3 and 4: images through the whole gateway against ONNX Runtime called bare at the batch size the
/// gateway formed, and the model host's dynamic batching against one sample per call.
/// </summary>
public static class ModelMeasures
{
    /// <summary>Concurrent callers of the model host: about what a silo's device grains make under load.</summary>
    private const int Callers = 64;

    private const int MaxBatch = 32;

    /// <summary>Measure 3: camera frames end to end, then the raw loop at the mean batch the silo ran.</summary>
    public static async Task<ImageComparison> ImageAsync(TimeSpan measure, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine("3. The image model end to end, against raw ONNX Runtime at the same batch size…");
        // The small pixel model, which the raw loop below runs: a new silo ships a head on ResNet18 unless told otherwise.
        await using var silo = await SuiteSilo.StartAsync(cancellationToken, $"--Models:ShippedImageModel={ShippedImageModel.Pixels}");
        var before = await BatchCounters.ReadAsync(silo, DefaultModels.ImageModelName, cancellationToken);
        var gateway = await FleetBenchmark.MeasureAsync(silo, static () => Cameras(100), TimeSpan.FromSeconds(5), measure, cancellationToken);
        var after = await BatchCounters.ReadAsync(silo, DefaultModels.ImageModelName, cancellationToken);
        var meanBatch = (after.Samples - before.Samples) / Math.Max(1, after.Calls - before.Calls);
        var rawBatch = Math.Max(1, (int)Math.Round(meanBatch));
        var raw = RawOnnxBenchmark.Run(ModelFolder(DefaultModels.ImageModelName), rawBatch, measure);
        var preprocessing = RawOnnxBenchmark.Preprocess(ModelFolder(DefaultModels.ImageModelName), measure);
        return new ImageComparison(gateway, meanBatch, rawBatch, raw, preprocessing);
    }

    /// <summary>A fleet of cameras, each sending a frame every 20 ms with two in flight at most.</summary>
    public static FleetOptions Cameras(int devices) => new()
    {
        Devices = devices,
        DevicePrefix = "camera",
        ImageEvery = 1,
        TelemetryInterval = TimeSpan.FromMilliseconds(20),
        MaxInFlightPerDevice = 2,
    };

    /// <summary>Measure 4: each shipped model through the host by many callers, batching up to 32, then one per call.</summary>
    public static async Task<IReadOnlyList<BatchingComparison>> BatchingAsync(TimeSpan measure, CancellationToken cancellationToken)
    {
        var comparisons = new List<BatchingComparison>();
        foreach (var (model, kind) in new[] { (DefaultModels.SensorModelName, PayloadKind.Telemetry), (DefaultModels.ImageModelName, PayloadKind.Image) })
        {
            AnsiConsole.MarkupLineInterpolated($"4. Dynamic batching, {model}: {Callers} callers, batches up to {MaxBatch} against one sample per call…");
            var inputs = RawOnnxBenchmark.Inputs(ModelFolder(model), 256);
            var (batched, meanBatch) = await ThroughHostAsync(kind, inputs, MaxBatch, measure, cancellationToken);
            var (single, _) = await ThroughHostAsync(kind, inputs, 1, measure, cancellationToken);
            comparisons.Add(new BatchingComparison(model, Callers, MaxBatch, batched, meanBatch, single));
        }

        return comparisons;
    }

    private static async Task<(RateMeasurement Rate, double MeanBatch)> ThroughHostAsync(
        PayloadKind kind, float[][] inputs, int maxBatch, TimeSpan measure, CancellationToken cancellationToken)
    {
        await using var models = await InProcessModels.StartAsync(new BatchingOptions { MaxBatchSize = maxBatch }, prepare: null, cancellationToken);
        var model = models.Host.ForKind(kind) ?? throw new InvalidOperationException($"No model serves {kind}.");
        using var batches = new BatchListener(model.Manifest.Name);
        var rate = await DriveAsync(model, inputs, Callers, measure, cancellationToken);
        return (rate, batches.Mean);
    }

    /// <summary><paramref name="callers"/> callers asking <paramref name="model"/> one sample each at a time, for <paramref name="duration"/>: answers, and this process's CPU.</summary>
    public static async Task<RateMeasurement> DriveAsync(LoadedModel model, float[][] inputs, int callers, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var samples = 0L;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var next = caller;
            while (!stop.IsCancellationRequested)
            {
                await model.InferAsync(inputs[next++ % inputs.Length]);
                Interlocked.Increment(ref samples);
            }
        }, CancellationToken.None)));
        return new RateMeasurement(samples, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
    }

    private static string ModelFolder(string model) => Path.Combine(ShippedModels.Directory, model, DefaultModels.Version);
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Synthetic;
using IotAi.Training;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;
using Spectre.Console;

namespace IotAi.Bench;

/// <summary>What <see cref="BackboneBenchmark"/> measured.</summary>
/// <param name="Images">Photos trained on.</param>
/// <param name="Embedding">Computing every photo's ResNet18 embedding (decode and preprocessing included).</param>
/// <param name="Head">Fitting the head on the embeddings and scoring the holdout.</param>
/// <param name="Retrain">Training again on the same photos: every embedding from the cache.</param>
/// <param name="HoldoutAccuracy">The head's accuracy on the held-out share, after the lighting drift.</param>
/// <param name="Batch1">Bare ONNX Runtime, ResNet18 plus head, one image a call.</param>
/// <param name="Batch8">The same, eight images a call.</param>
/// <param name="Host">The model host (dynamic batcher, backbone then head) fed by many callers.</param>
/// <param name="HostMeanBatch">The mean batch the host formed.</param>
/// <param name="RawAtHostBatch">Bare ONNX Runtime at that mean batch.</param>
/// <param name="Decode">Decoding a camera JPEG and preparing ResNet's input, per image, alone.</param>
/// <param name="Memory">Process memory (MB) with no model, one version, two versions on one backbone, and a second backbone session beside them.</param>
/// <param name="HeadBytes">A head-only update's bytes.</param>
/// <param name="FullBytes">A full update's bytes: backbone and head.</param>
/// <param name="Gateway">Camera frames through a silo process, MQTT and the grains to the answer, the silo's own CPU.</param>
/// <param name="GatewayMeanBatch">The mean batch the silo formed.</param>
/// <param name="RawAtGatewayBatch">Bare ONNX Runtime at that mean batch, with the silo's thread count.</param>
public sealed record BackboneFigures(
    int Images, TimeSpan Embedding, TimeSpan Head, TimeSpan Retrain, double HoldoutAccuracy,
    RateMeasurement Batch1, RateMeasurement Batch8, RateMeasurement Host, double HostMeanBatch, RateMeasurement RawAtHostBatch, RateMeasurement Decode,
    (double None, double One, double Two, double SecondSession) Memory, long HeadBytes, long FullBytes,
    FleetMeasurement Gateway, double GatewayMeanBatch, RateMeasurement RawAtGatewayBatch)
{
    public string ToMarkdown(string command)
    {
        var s = new StringBuilder();
        void Line(FormattableString text) => s.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"Command: `{command}`; {Environment.ProcessorCount} cores.");
        s.AppendLine();
        Line($"| figure | value |");
        Line($"|---|---|");
        Line($"| transfer learning, {Images} photos after the lighting drift: embeddings | {Embedding.TotalSeconds:F1} s ({Embedding.TotalMilliseconds / Images:F1} ms a photo) |");
        Line($"| … the head (fit and holdout) | {Head.TotalSeconds:F1} s |");
        Line($"| … again on the same photos (embeddings cached) | {Retrain.TotalSeconds:F1} s |");
        Line($"| holdout accuracy after the drift | {HoldoutAccuracy:P1} |");
        Line($"| bare ONNX Runtime, ResNet18 + head, batch 1 | {Batch1.PerSecond:F1} images/s, {Batch1.CpuMicrosPerItem / 1000:F1} ms CPU an image |");
        Line($"| … batch 8 | {Batch8.PerSecond:F1} images/s, {Batch8.CpuMicrosPerItem / 1000:F1} ms CPU an image: {Batch8.PerSecond / Batch1.PerSecond:F2}× batch 1 |");
        Line($"| model host, 16 callers (mean batch {HostMeanBatch:F1}) | {Host.PerSecond:F1} images/s, {Host.CpuMicrosPerItem / 1000:F1} ms CPU an image |");
        Line($"| bare ONNX Runtime at batch {Math.Max(1, (int)Math.Round(HostMeanBatch))} | {RawAtHostBatch.PerSecond:F1} images/s: host / bare = **{Host.PerSecond / RawAtHostBatch.PerSecond:F2}×** |");
        Line($"| the whole gateway: {Gateway.Devices} cameras over MQTT to a silo process (mean batch {GatewayMeanBatch:F1}) | {Gateway.Rate.PerSecond:F1} images/s, silo {Gateway.Rate.CpuMicrosPerItem / 1000:F1} ms CPU an image, p50 {Gateway.Latency.P50Ms:F0} ms |");
        Line($"| bare ONNX Runtime at batch {Math.Max(1, (int)Math.Round(GatewayMeanBatch))}, the silo's threads | {RawAtGatewayBatch.PerSecond:F1} images/s: gateway / bare = **{Gateway.Rate.PerSecond / RawAtGatewayBatch.PerSecond:F2}×** |");
        Line($"| JPEG decode and preprocessing to 224 × 224, apart | {Decode.CpuMicrosPerItem / 1000:F2} ms CPU an image |");
        Line($"| process memory: no model / one version / two versions on one backbone | {Memory.None:F0} / {Memory.One:F0} / {Memory.Two:F0} MB (the second version: +{Memory.Two - Memory.One:F1} MB) |");
        Line($"| … a second backbone session, as a second version would cost unshared | +{Memory.SecondSession - Memory.Two:F1} MB |");
        Line($"| head-only update against a full one | {HeadBytes:N0} of {FullBytes:N0} bytes: **{HeadBytes / (double)FullBytes:P2}** |");
        return s.ToString();
    }
}

/// <summary>
/// Transfer learning and serving on ImageNet's ResNet18: how long a head takes to train on a thousand photos, how a
/// model on the backbone runs through the model host against bare ONNX Runtime, what batching buys, what a second
/// version costs in memory, and what a head-only update weighs against a full one.
/// </summary>
public static class BackboneBenchmark
{
    private const int Callers = 16;

    public static async Task<BackboneFigures> RunAsync(int images, TimeSpan measure, CancellationToken cancellationToken)
    {
        var backbone = PretrainedBackbone.ResNet18();
        var recipe = ImagePreprocessing.ImageNet() with { Resize = ResizeMode.Stretch, ResizeTo = null };
        var root = Directory.CreateTempSubdirectory("iotai-bench-backbone-");
        try
        {
            AnsiConsole.MarkupLineInterpolated($"Transfer learning on {images} photos of a drifted belt…");
            var folder = WritePhotos(root.FullName, images);
            var cache = new EmbeddingCache(Path.Combine(root.FullName, "cache"));
            var clock = Stopwatch.StartNew();
            var data = FolderDataset.Read(folder, recipe, backbone: backbone, cache: cache);
            var embedding = clock.Elapsed;
            var trained = DatasetTrainer.Train(data, "belt-shapes");
            var head = clock.Elapsed - embedding;
            clock.Restart();
            DatasetTrainer.Train(FolderDataset.Read(folder, recipe, backbone: backbone, cache: cache), "belt-shapes", version: "2");
            var retrain = clock.Elapsed;

            using var signer = ModelSigner.Generate();
            var package = trained.Model.Sign(signer);
            var frames = Frames(recipe, 64);
            AnsiConsole.MarkupLine("Bare ONNX Runtime, batch 1 and batch 8…");
            var batch1 = Raw(backbone, package.Onnx, frames, 1, measure);
            var batch8 = Raw(backbone, package.Onnx, frames, 8, measure);
            AnsiConsole.MarkupLineInterpolated($"The model host, {Callers} callers…");
            var (host, meanBatch) = await HostAsync(package, frames, measure, cancellationToken);
            var rawAtHost = Raw(backbone, package.Onnx, frames, Math.Max(1, (int)Math.Round(meanBatch)), measure);
            var decode = Decode(recipe, measure);
            var memory = Memory(package, trained.Model with { Manifest = trained.Model.Manifest with { Version = "2" } }, signer, backbone);
            AnsiConsole.MarkupLine("The whole gateway: cameras over MQTT to a silo serving the model…");
            var (gateway, gatewayBatch) = await GatewayAsync(trained.Model, measure, cancellationToken);
            var rawAtGateway = Raw(backbone, package.Onnx, frames, Math.Max(1, (int)Math.Round(gatewayBatch)), measure, SiloThreads);
            return new BackboneFigures(images, embedding, head, retrain, trained.Holdout.Accuracy, batch1, batch8, host, meanBatch, rawAtHost, decode, memory,
                package.Onnx.LongLength, package.Onnx.LongLength + package.Backbone!.LongLength, gateway, gatewayBatch, rawAtGateway);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>Photos of the belt after the lighting drift (dark shapes on a light belt), as PNG, a quarter per class.</summary>
    private static string WritePhotos(string root, int images)
    {
        var camera = new SyntheticCamera(seed: 31, format: SKEncodedImageFormat.Png) { Drift = 1 };
        foreach (var shape in Enum.GetValues<ImageShape>())
        {
            var folder = Directory.CreateDirectory(Path.Combine(root, "photos", shape.Label()));
            for (var i = 0; i < images / ImageShapes.Labels.Count; i++)
            {
                File.WriteAllBytes(Path.Combine(folder.FullName, $"{i}.png"), camera.Next(shape).Encoded);
            }
        }

        return Path.Combine(root, "photos");
    }

    /// <summary>Camera frames prepared for ResNet in advance, so the bare loop measures inference alone.</summary>
    private static float[][] Frames(ImagePreprocessing recipe, int count)
    {
        var camera = new SyntheticCamera(seed: 32);
        return [.. Enumerable.Range(0, count).Select(frame =>
        {
            var input = new float[recipe.InputLength];
            _ = ImagePreprocessor.TryPreprocess(camera.Next().Encoded, recipe, input, IotAi.Protocol.PayloadLimits.Default);
            return input;
        })];
    }

    /// <summary>The threads a call gets in the silo the gateway figure runs: the model host's default, one.</summary>
    private const int SiloThreads = 1;

    /// <summary>
    /// The model signed by a key made for a new data directory, the only model in its registry, and a silo process on it
    /// driven by simulated cameras: the silo then serves it as it would any image model, on its own threads.
    /// </summary>
    private static async Task<(FleetMeasurement Rate, double MeanBatch)> GatewayAsync(TrainedModel model, TimeSpan measure, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("iotai-bench-backbone-silo-");
        var layout = new DataLayout(data.FullName);
        using (var keys = ModelKeyring.Load(new ModelSigningOptions(), layout.Keys))
        {
            new ModelRegistry(layout.Models, keys.Trusted).Import(model.Sign(keys.Signer));
        }

        await using var silo = await Suite.SuiteSilo.StartAsync([$"--Models:IntraOpThreads={SiloThreads}"], data, cancellationToken);
        var before = await Suite.BatchCounters.ReadAsync(silo, model.Manifest.Name, cancellationToken);
        var rate = await FleetBenchmark.MeasureAsync(silo, static () => Suite.ModelMeasures.Cameras(20), TimeSpan.FromSeconds(5), measure, cancellationToken);
        var after = await Suite.BatchCounters.ReadAsync(silo, model.Manifest.Name, cancellationToken);
        return (rate, (after.Samples - before.Samples) / (double)Math.Max(1, after.Calls - before.Calls));
    }

    /// <summary>The backbone's and the head's own sessions, called in a tight loop at <paramref name="batch"/> images a call.</summary>
    private static RateMeasurement Raw(PretrainedBackbone backbone, byte[] head, float[][] frames, int batch, TimeSpan duration, int? threads = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads ?? Environment.ProcessorCount, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var body = new InferenceSession(backbone.Onnx, options);
        using var top = new InferenceSession(head, options);
        using var run = new RunOptions();
        var length = frames[0].Length;
        var input = new float[batch * length];
        var embeddings = new float[batch * backbone.Width];
        var (images, next) = (0L, 0);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            for (var i = 0; i < batch; i++)
            {
                frames[next++ % frames.Length].CopyTo(input, i * length);
            }

            using (var pixels = OrtValue.CreateTensorValueFromMemory(input, [batch, .. backbone.InputShape]))
            using (var embedded = body.Run(run, [backbone.Input], [pixels], [backbone.Output]))
            {
                embedded[0].GetTensorDataAsSpan<float>()[..embeddings.Length].CopyTo(embeddings);
            }

            using var features = OrtValue.CreateTensorValueFromMemory(embeddings, [batch, backbone.Width]);
            using var scores = top.Run(run, [top.InputNames[0]], [features], ["Score.output"]);
            images += batch;
        }

        return new RateMeasurement(images, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    private static async Task<(RateMeasurement Rate, double MeanBatch)> HostAsync(ModelPackage package, float[][] frames, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var model = new LoadedModel(new OnnxModel(package, Environment.ProcessorCount), new BatchingOptions { MaxBatchSize = 8 });
        var (calls, batched) = (0L, 0L);
        model.Batcher!.BatchCompleted += (size, _) =>
        {
            Interlocked.Increment(ref calls);
            Interlocked.Add(ref batched, size);
        };
        var rate = await Suite.ModelMeasures.DriveAsync(model, frames, Callers, duration, cancellationToken);
        return (rate, batched / (double)Math.Max(1, calls));
    }

    private static RateMeasurement Decode(ImagePreprocessing recipe, TimeSpan duration)
    {
        var camera = new SyntheticCamera(seed: 33);
        var jpegs = Enumerable.Range(0, 64).Select(_ => camera.Next().Encoded).ToArray();
        var input = new float[recipe.InputLength];
        var (done, cpu, started) = (0L, Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            _ = ImagePreprocessor.TryPreprocess(jpegs[done++ % jpegs.Length], recipe, input, IotAi.Protocol.PayloadLimits.Default);
        }

        return new RateMeasurement(done, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    /// <summary>The process's resident memory (MB) with no model, with one version, with a second on the same backbone, and with a backbone session more.</summary>
    private static (double, double, double, double) Memory(ModelPackage first, TrainedModel second, ModelSigner signer, PretrainedBackbone backbone)
    {
        static double Resident()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var self = Process.GetCurrentProcess();
            return self.WorkingSet64 / (1024.0 * 1024.0);
        }

        var none = Resident();
        using var one = new OnnxModel(first);
        var withOne = Resident();
        using var two = new OnnxModel(second.Sign(signer));
        var withTwo = Resident();
        using var session = new InferenceSession(backbone.Onnx);
        return (none, withOne, withTwo, Resident());
    }
}

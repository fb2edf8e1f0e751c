using IotAi.Models;
using System.Diagnostics;
using IotAi.Inference;
using IotAi.Synthetic;
using Microsoft.ML.OnnxRuntime;

namespace IotAi.Bench;

/// <summary>
/// The baseline: ONNX Runtime called directly on a model's session in a tight loop, one thread, inputs
/// prepared in advance. Nothing the gateway adds (MQTT, grains, batching queues, JSON) is in it.
/// </summary>
public static class RawOnnxBenchmark
{
    public static RateMeasurement Run(string modelFolder, int batchSize, TimeSpan duration)
    {
        var manifest = ModelManifest.Load(Path.Combine(modelFolder, ModelManifest.FileName));
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(Path.Combine(modelFolder, ModelManifest.OnnxFileName), options);
        using var runOptions = new RunOptions();
        var length = manifest.InputLength;
        var pool = Inputs(manifest, 256);
        var batch = new float[batchSize * length];
        string[] inputNames = [manifest.Input];
        string[] outputNames = [manifest.ScoresOutput];

        var samples = 0L;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var next = 0;
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            for (var i = 0; i < batchSize; i++)
            {
                pool[next++ % pool.Length].CopyTo(batch, i * length);
            }

            using var input = OrtValue.CreateTensorValueFromMemory(batch, new long[] { batchSize, length });
            using var outputs = session.Run(runOptions, inputNames, [input], outputNames);
            samples += batchSize;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return new RateMeasurement(samples, elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
    }

    /// <summary>
    /// What the gateway does to a frame before the model sees it, alone: JPEG decoding, resizing and scaling into
    /// the model's input, one frame at a time on one thread.
    /// </summary>
    public static RateMeasurement Preprocess(string modelFolder, TimeSpan duration)
    {
        var recipe = ModelManifest.Load(Path.Combine(modelFolder, ModelManifest.FileName)).Image
            ?? throw new InvalidOperationException($"The model in {modelFolder} does not take images.");
        var camera = new SyntheticCamera(seed: 1);
        var frames = Enumerable.Range(0, 64).Select(_ => camera.Next().Encoded).ToArray();
        var features = new float[recipe.InputLength];
        var done = 0L;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            ImagePreprocessor.TryPreprocess(frames[done++ % frames.Length], recipe, features);
        }

        return new RateMeasurement(done, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
    }

    /// <summary>Real inputs for the model in <paramref name="modelFolder"/>, as <see cref="Inputs(ModelManifest, int)"/> makes them.</summary>
    public static float[][] Inputs(string modelFolder, int count) => Inputs(ModelManifest.Load(Path.Combine(modelFolder, ModelManifest.FileName)), count);

    /// <summary>Real inputs from the simulator's generators, so tree models take realistic paths.</summary>
    private static float[][] Inputs(ModelManifest manifest, int count)
    {
        if (manifest.Image is { } recipe)
        {
            var camera = new SyntheticCamera(seed: 1);
            return [.. Enumerable.Range(0, count).Select(_ =>
            {
                var features = new float[recipe.InputLength];
                ImagePreprocessor.TryPreprocess(camera.Next().Encoded, recipe, features);
                return features;
            })];
        }

        var signal = new SensorSignal(seed: 1);
        return [.. Enumerable.Range(0, count).Select(i => signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i)).ToFeatures())];
    }
}

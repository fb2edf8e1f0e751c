using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IotAi.Edge;
using IotAi.Edge.Models;
using IotAi.Edge.Queue;
using IotAi.Edge.Twin;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Synthetic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotAi.Bench;

/// <summary>
/// The edge agent's own figures: how fast its on-disk queue takes samples under each durability, how fast a
/// real agent drains a backlog into a real broker (Mosquitto) with its publishes pipelined or one at a
/// time, and what its local inference costs against ONNX Runtime called bare.
/// </summary>
public static class EdgeBenchmark
{
    public const int Backlog = 20_000;

    public static async Task<EdgeFigures> RunAsync(TimeSpan duration, string sensorFolder, CancellationToken cancellationToken)
    {
        var pool = Readings(256);
        var appends = new List<(QueueDurability, int, RateMeasurement)>();
        foreach (var durability in new[] { QueueDurability.PowerLoss, QueueDurability.ProcessCrash })
        {
            foreach (var writers in new[] { 1, 8 })
            {
                appends.Add((durability, writers, await AppendAsync(durability, writers, pool, duration / 4, cancellationToken)));
            }
        }

        await using var mosquitto = await MosquittoProcess.StartAsync(cancellationToken);
        var drains = new List<(int, RateMeasurement)>();
        if (mosquitto is not null)
        {
            foreach (var inFlight in new[] { 32, 1 })
            {
                drains.Add((inFlight, await DrainAsync(mosquitto.Port, inFlight, pool, cancellationToken)));
            }
        }

        var local = await LocalInferenceAsync(sensorFolder, pool, duration, cancellationToken);
        return new EdgeFigures(appends, drains, local, RawOnnxBenchmark.Run(sensorFolder, 1, duration));
    }

    /// <summary><paramref name="writers"/> sources enqueueing as fast as the queue takes them.</summary>
    private static async Task<RateMeasurement> AppendAsync(QueueDurability durability, int writers, EdgeSample[] pool, TimeSpan duration, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("iotai-bench-queue-");
        try
        {
            await using var queue = SqliteOutbox.Open(Path.Combine(folder.FullName, "queue.db"), new OutboxOptions { Durability = durability, MaxBytes = 1L << 32 }, TimeProvider.System, NullLogger.Instance);
            var count = 0L;
            var (cpu, started) = (Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                for (var i = w; Stopwatch.GetElapsedTime(started) < duration; i += writers)
                {
                    await queue.EnqueueAsync(pool[i % pool.Length], cancellationToken);
                    Interlocked.Increment(ref count);
                }
            }, cancellationToken)));
            return new RateMeasurement(count, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpu);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A real agent whose queue holds <see cref="Backlog"/> samples from an outage, from its start until the queue is empty.</summary>
    private static async Task<RateMeasurement> DrainAsync(int port, int maxInFlight, EdgeSample[] pool, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("iotai-bench-drain-");
        const string device = "bench-drain";
        try
        {
            await using (var queue = SqliteOutbox.Open(Path.Combine(folder.FullName, device, "queue.db"), new OutboxOptions(), TimeProvider.System, NullLogger.Instance))
            {
                await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
                {
                    for (var i = w; i < Backlog; i += 8)
                    {
                        await queue.EnqueueAsync(pool[i % pool.Length], cancellationToken);
                    }
                }, cancellationToken)));
            }

            var empty = Path.Combine(folder.FullName, "none.jsonl");
            await File.WriteAllTextAsync(empty, "", cancellationToken);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Edge:DeviceId"] = device,
                ["Edge:Host"] = "127.0.0.1",
                ["Edge:Port"] = port.ToString(CultureInfo.InvariantCulture),
                ["Edge:DataDirectory"] = folder.FullName,
                ["Edge:Sources:0"] = "jsonl",
                ["Edge:JsonLinesPath"] = empty,
                ["Edge:MaxInFlight"] = maxInFlight.ToString(CultureInfo.InvariantCulture),
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IResultSink>(NullResultSink.Instance);
            builder.Services.AddEdgeAgent();
            using var host = builder.Build();
            var outbox = host.Services.GetRequiredService<IOutbox>();
            var (cpu, started) = (Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());
            await host.StartAsync(cancellationToken);
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
            while (outbox.Statistics.Depth > 0 && await poll.WaitForNextTickAsync(cancellationToken))
            {
            }

            var measurement = new RateMeasurement(Backlog, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpu);
            await host.StopAsync(cancellationToken);
            return measurement;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The agent's local inference on one reading at a time: JSON read, batcher, session, quality count.</summary>
    private static async Task<RateMeasurement> LocalInferenceAsync(string sensorFolder, EdgeSample[] pool, TimeSpan duration, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("iotai-bench-local-");
        try
        {
            var signer = ModelSigner.Generate();
            var trusted = new TrustedKeys();
            trusted.Add(signer.ExportPublicKeyPem());
            var manifest = ModelManifest.Load(Path.Combine(sensorFolder, ModelManifest.FileName));
            await using var runtime = new EdgeModelRuntime(new EdgeModelStore(folder.FullName), trusted, NullLogger.Instance);
            await runtime.ActivateAsync(ModelPackage.Create(manifest, await File.ReadAllBytesAsync(Path.Combine(sensorFolder, ModelManifest.OnnxFileName), cancellationToken), signer));
            var options = Options.Create(new EdgeAgentOptions { DeviceId = "bench" });
            var local = new LocalInference(runtime, new ModelQualityTracker(), new LiveSettings(options), NullLogger<LocalInference>.Instance);
            var count = 0L;
            var (cpu, started) = (Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                _ = await local.InferAsync(pool[count++ % pool.Length], cancellationToken) ?? throw new InvalidOperationException("The local model gave no answer.");
            }

            return new RateMeasurement(count, Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpu);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Sensor readings as the simulated source makes them.</summary>
    private static EdgeSample[] Readings(int count)
    {
        var signal = new SensorSignal(seed: 5);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var reading = signal.Next(DateTimeOffset.UnixEpoch.AddSeconds(i));
            var values = new Dictionary<string, double> { ["temperature"] = reading.Temperature, ["vibration"] = reading.Vibration, ["current"] = reading.Current };
            return new EdgeSample(PayloadKind.Telemetry, JsonSerializer.SerializeToUtf8Bytes(new Telemetry(null, reading.Timestamp, values), ProtocolJson.Wire.Telemetry),
                ContentTypes.Json, reading.Timestamp, reading.Label);
        })];
    }
}

/// <summary>The edge agent's figures of one run.</summary>
public sealed record EdgeFigures(
    IReadOnlyList<(QueueDurability Durability, int Writers, RateMeasurement Rate)> Appends,
    IReadOnlyList<(int MaxInFlight, RateMeasurement Rate)> Drains,
    RateMeasurement LocalInference,
    RateMeasurement RawBatch1);

using System.Globalization;
using IotAi.Client;
using System.Diagnostics;
using System.Net.Http.Json;
using IotAi.Models;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAi.Bench;

/// <summary>
/// A model of a given size sent over the air to many devices at once: through the gateway (a rollout, every
/// device fetching its chunks from the registry) and, as the baseline, as the same chunks fanned out by
/// Mosquitto at QoS 1 to as many subscribers. Both deliver the same bytes to the same number of clients.
/// </summary>
public static class OtaBenchmark
{
    private const string Model = "ota-bench";
    private const int ChunkSize = 64 * 1024;
    private const int Window = 16;
    private const int WarmUpMegabytes = 1;

    public static async Task<(RateMeasurement Gateway, RateMeasurement? Mosquitto)> RunAsync(int devices, int megabytes, CancellationToken cancellationToken)
    {
        var blob = new byte[megabytes * 1024 * 1024];
        new Random(5).NextBytes(blob);
        var gateway = await GatewayAsync(devices, blob, cancellationToken);
        var mosquitto = await MosquittoAsync(devices, blob, cancellationToken);
        return (gateway, mosquitto);
    }

    private static async Task<RateMeasurement> GatewayAsync(int devices, byte[] blob, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("iotai-bench-ota-");
        var layout = new DataLayout(data.FullName);
        using (var keys = ModelKeyring.Load(new ModelSigningOptions(), layout.Keys))
        {
            // Version 1 is a real model, so the silo can load it; version 2, the payload, is only transferred.
            var registry = new ModelRegistry(layout.Models, keys.Trusted);
            ShippedModels.Install(registry, keys.Signer);
            var sensor = registry.Open("sensor-anomaly", "1");
            registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model }, sensor.Onnx, keys.Signer));
            // Version 2 warms the silo up; version 3, the measured payload, is a blob no device has fetched yet.
            var warmUp = new byte[WarmUpMegabytes << 20];
            new Random(6).NextBytes(warmUp);
            registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model, Version = "2" }, warmUp, keys.Signer));
            registry.Import(ModelPackage.Create(sensor.Manifest with { Name = Model, Version = "3" }, blob, keys.Signer));
        }

        await using var silo = await SiloProcess.StartAsync([$"--Models:Ota:ChunkSize={ChunkSize}"], cancellationToken, data);
        using var api = silo.Connect();
        // A silo serves rollouts for hours: the measured one starts once a rollout as large in devices has run and the
        // runtime has compiled what it runs (a fresh silo spent two fifths of its CPU in the just-in-time compiler).
        await RollOutAsync(api, silo.MqttPort, "ota-warm", "2", devices, cancellationToken);
        await FleetBenchmark.WaitUntilSettledAsync(silo, TimeSpan.Zero, Task.Delay(Timeout.Infinite, cancellationToken), cancellationToken);
        var (cpu, started) = (TimeSpan.Zero, 0L);
        var chunks = await RollOutAsync(api, silo.MqttPort, "ota", "3", devices, cancellationToken, () => (cpu, started) = (silo.Cpu, Stopwatch.GetTimestamp()));
        return new RateMeasurement(chunks, Stopwatch.GetElapsedTime(started), silo.Cpu - cpu);
    }

    /// <summary>
    /// Connects <paramref name="devices"/> devices named from <paramref name="prefix"/>, rolls <paramref name="version"/>
    /// out to them all at once and waits until each holds it; returns the chunks they fetched. <paramref name="connected"/>
    /// runs once they are connected, just before the rollout starts.
    /// </summary>
    private static async Task<long> RollOutAsync(IotAiClient api, int port, string prefix, string version, int devices, CancellationToken cancellationToken, Action? connected = null)
    {
        var fleet = Enumerable.Range(0, devices).Select(i => new OtaDevice($"{prefix}-{i:D5}", port, Window)).ToList();
        try
        {
            await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (d, ct) => await d.ConnectAsync(ct));
            connected?.Invoke();
            var id = $"bench-{prefix}";
            await api.StartRolloutAsync(new
            {
                id,
                model = Model,
                version,
                target = new { deviceIds = fleet.Select(d => d.Id) },
                stages = new[] { new { name = "all", percent = 100 } },
                maxConcurrentDownloads = devices,
            }, cancellationToken);
            long[] sizes;
            try
            {
                sizes = await Task.WhenAll(fleet.Select(d => d.Done.Task)).WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(Unfinished(fleet));
            }

            // The next rollout of the model starts only once this one has ended.
            await LoopParts.UntilAsync(async () => (await api.GetRolloutAsync(id, cancellationToken)).GetProperty("phase").GetString() is not ("Running" or "Paused"),
                TimeSpan.FromMinutes(2), cancellationToken, throwOnTimeout: false);
            return sizes.Sum() / ChunkSize;
        }
        finally
        {
            await Task.WhenAll(fleet.Select(d => d.DisposeAsync().AsTask()));
        }
    }

    /// <summary>What a run that did not finish left undone, so its failure says where the transfer stalled.</summary>
    private static string Unfinished(List<OtaDevice> fleet)
    {
        var left = fleet.Where(static d => !d.Done.Task.IsCompleted).Select(static d => d.Progress).ToList();
        var offered = left.Where(static p => p.Offered).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"The rollout did not finish in 10 minutes: {fleet.Count - left.Count} of {fleet.Count} devices done; of the rest, {left.Count - offered.Count} never offered the version, "
            + $"{offered.Count(static p => p.Hashed == p.Chunks)} holding every chunk (their reports unanswered), the others {(offered.Count == 0 ? 0 : offered.Average(static p => p.Hashed)):F1} chunks in order on average of {(offered.Count == 0 ? 0 : offered.Max(static p => p.Chunks))}; "
            + $"{fleet.Sum(static d => d.ReportsRetried)} status reports sent again.");
    }

    private static async Task<RateMeasurement?> MosquittoAsync(int devices, byte[] blob, CancellationToken cancellationToken)
    {
        await using var broker = await MosquittoProcess.StartAsync(cancellationToken);
        if (broker is null)
        {
            return null;
        }

        var chunks = (blob.Length + ChunkSize - 1) / ChunkSize;
        var factory = new MqttClientFactory();
        var done = new List<TaskCompletionSource>();
        var subscribers = new List<IMqttClient>();
        try
        {
            for (var i = 0; i < devices; i++)
            {
                var client = factory.CreateMqttClient();
                var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var received = 0;
                client.ApplicationMessageReceivedAsync += _ =>
                {
                    if (Interlocked.Increment(ref received) == chunks)
                    {
                        finished.TrySetResult();
                    }

                    return Task.CompletedTask;
                };
                subscribers.Add(client);
                done.Add(finished);
            }

            await Parallel.ForEachAsync(subscribers.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (s, ct) =>
            {
                await s.c.ConnectAsync(BenchClientOptions.For(broker.Port, $"sub-{s.i:D5}"), ct);
                await s.c.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic("ota/chunks/#").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), ct);
            });

            using var publisher = factory.CreateMqttClient();
            await publisher.ConnectAsync(BenchClientOptions.For(broker.Port, "publisher"), cancellationToken);
            var cpu = broker.Cpu;
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < chunks; i++)
            {
                var chunk = blob.AsMemory(i * ChunkSize, Math.Min(ChunkSize, blob.Length - (i * ChunkSize)));
                await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"ota/chunks/{i}").WithPayload(chunk.ToArray())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            }

            await Task.WhenAll(done.Select(d => d.Task)).WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
            return new RateMeasurement((long)chunks * devices, Stopwatch.GetElapsedTime(started), broker.Cpu - cpu);
        }
        finally
        {
            foreach (var client in subscribers)
            {
                await client.TryDisconnectAsync();
                client.Dispose();
            }
        }
    }
}

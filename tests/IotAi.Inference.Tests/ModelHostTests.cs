using System.Diagnostics.Metrics;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotAi.Inference.Tests;

public sealed class ModelHostTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-host-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ModelRegistry _registry;

    public ModelHostTests()
    {
        _trusted.Add(_signer.ExportPublicKeyPem());
        _registry = new ModelRegistry(_root.FullName, _trusted);
    }

    [Fact]
    public async Task Serves_the_active_version_of_each_model_for_its_kind()
    {
        Import("sensor-anomaly");
        Import("shape-classifier");
        using var host = Host();

        await host.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal("sensor-anomaly", host.ForKind(PayloadKind.Telemetry)!.Manifest.Name);
            Assert.Equal("shape-classifier", host.ForKind(PayloadKind.Image)!.Manifest.Name);
            var prediction = await host.ForKind(PayloadKind.Telemetry)!.InferAsync(new float[] { 90, 0.3f, 10 });
            Assert.Equal(1, prediction.LabelIndex);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Batching_set_for_one_model_applies_to_it_alone()
    {
        Import("sensor-anomaly");
        Import("shape-classifier");
        using var host = Host(batching: new Dictionary<string, BatchingOptions> { ["sensor-anomaly"] = new() { MaxBatchSize = 1 } });
        await host.StartAsync(CancellationToken.None);
        try
        {
            var sensor = host.ForKind(PayloadKind.Telemetry)!;
            var image = host.ForKind(PayloadKind.Image)!;
            int sensorLargest = 0, imageLargest = 0;
            sensor.Batcher!.BatchCompleted += (size, _) => sensorLargest = Math.Max(sensorLargest, size);
            image.Batcher!.BatchCompleted += (size, _) => imageLargest = Math.Max(imageLargest, size);

            await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => sensor.InferAsync(new float[] { 45, 0.3f, 10 }).AsTask()));
            await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => image.InferAsync(new float[1024]).AsTask()));

            Assert.Equal(1, sensorLargest);
            Assert.True(imageLargest > 1, "the model without its own setting did not batch at all");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Refuses_to_serve_a_model_whose_weights_changed_after_signing()
    {
        var model = Import("sensor-anomaly");
        var weights = File.ReadAllBytes(model.BlobPath);
        weights[^10] ^= 0x5A;
        File.WriteAllBytes(model.BlobPath, weights);
        using var host = Host();

        var error = await Assert.ThrowsAsync<ModelVerificationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains("was altered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_versions_serve_side_by_side()
    {
        Import("sensor-anomaly");
        Import("sensor-anomaly", version: "2");
        using var host = Host();
        await host.StartAsync(CancellationToken.None);
        try
        {
            var second = await host.GetAsync("sensor-anomaly", "2");

            Assert.Equal("1", host.Active("sensor-anomaly")!.Manifest.Version);
            Assert.Equal("2", second!.Manifest.Version);
            Assert.Equal(2, host.Models.Count);
            Assert.Equal(["fault", "ok"], second.Manifest.Labels.Order());
            Assert.Null(await host.GetAsync("sensor-anomaly", "9"));

            // A loaded version is served as it is; once deleted from the registry, it is unloaded, however recently it was used,
            // by the first refresh after one it was not used across.
            Assert.Same(second, await host.GetAsync("sensor-anomaly", "2"));
            // The host tells uses and passes apart by the millisecond clock, and takes a use in the same millisecond as
            // a pass for one after it: the passes start once that clock has moved past the use.
            var used = second.LastUsed;
            SpinWait.SpinUntil(() => Environment.TickCount64 > used);
            _registry.Delete("sensor-anomaly", "2");
            await host.RefreshAsync(CancellationToken.None);
            await host.RefreshAsync(CancellationToken.None);
            Assert.Null(await host.GetAsync("sensor-anomaly", "2"));
            Assert.Single(host.Models);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Promotions_swap_under_steady_load_without_failing_a_request()
    {
        Import("sensor-anomaly");
        Import("sensor-anomaly", version: "2");
        using var host = Host(refresh: TimeSpan.FromMilliseconds(20), idle: TimeSpan.Zero);
        await host.StartAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var answered = 0L;
        var failures = new List<Exception>();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await host.ForKind(PayloadKind.Telemetry)!.InferAsync(new float[] { 45, 0.3f, 10 });
                    Interlocked.Increment(ref answered);
                }
                catch (Exception ex)
                {
                    lock (failures)
                    {
                        failures.Add(ex);
                    }
                }
            }
        })).ToArray();

        try
        {
            foreach (var version in new[] { "2", "1", "2", "1", "2" })
            {
                // Each swap lands while requests are running: a few more go through before every promotion.
                var target = Interlocked.Read(ref answered) + 20;
                await WaitUntilAsync(() => Interlocked.Read(ref answered) >= target);
                _registry.Promote("sensor-anomaly", version);
                await WaitUntilAsync(() => host.ForKind(PayloadKind.Telemetry)!.Manifest.Version == version);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        Assert.Empty(failures);
        // The version swapped out, idle and empty, is unloaded by the next refresh.
        await WaitUntilAsync(() => host.Models.Count == 1);
        await host.StopAsync(CancellationToken.None);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the model host did not follow the registry in time");
            await poll.WaitForNextTickAsync();
        }
    }

    private RegisteredModel Import(string name, string version = "1")
    {
        var folder = Path.Combine(ShippedModels.Directory, name, "1");
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        if (version != "1")
        {
            // Same weights, another version whose labels tell the two apart.
            manifest = manifest with { Version = version, Labels = ["ok", "fault"] };
        }

        return _registry.Import(ModelPackage.Create(manifest, File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)), _signer));
    }

    private ModelHost Host(TimeSpan? refresh = null, TimeSpan? idle = null, Dictionary<string, BatchingOptions>? batching = null) => new(
        Options.Create(new ModelHostOptions
        {
            Directory = _root.FullName,
            KeysDirectory = _root.FullName,
            RefreshInterval = refresh ?? TimeSpan.FromSeconds(2),
            IdleUnloadAfter = idle ?? TimeSpan.FromMinutes(5),
            ModelBatching = batching ?? [],
        }),
        _registry,
        NullLogger<ModelHost>.Instance,
        new InferenceTelemetry(_services.GetRequiredService<IMeterFactory>()));

    public void Dispose()
    {
        _services.Dispose();
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}

using IotAi.Edge.Models;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace IotAi.Edge.Tests;

// IAsyncLifetime, not IAsyncDisposable: xunit 2 disposes a test class only through IDisposable or IAsyncLifetime,
// and the temporary model folder must go after each test.
#pragma warning disable CA1001 // xunit disposes the runtime, keys and folder in DisposeAsync.
public sealed class EdgeModelRuntimeTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-edge-runtime-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();
    private readonly EdgeModelStore _store;
    private readonly EdgeModelRuntime _runtime;

    public EdgeModelRuntimeTests()
    {
        _trusted.Add(_signer.ExportPublicKeyPem());
        _store = new EdgeModelStore(_root.FullName);
        _runtime = new EdgeModelRuntime(_store, _trusted, NullLogger.Instance);
    }

    private static (ModelManifest Manifest, byte[] Onnx) Shipped() => ShippedSensorModel.Read();

    private ModelPackage Package(string version, ModelSigner? signer = null)
    {
        var (manifest, onnx) = Shipped();
        return ModelPackage.Create(manifest with { Version = version }, onnx, signer ?? _signer);
    }

    [Fact]
    public async Task Swapping_versions_while_inference_runs_fails_no_inference()
    {
        await _runtime.ActivateAsync(Package("1"));
        var two = Package("2");
        var one = Package("1");
        using var stop = new CancellationTokenSource();
        var answered = 0L;
        var failures = 0;
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await _runtime.ForKind(PayloadKind.Telemetry)!.InferAsync(new float[] { 80, 0.3f, 10 });
                    Interlocked.Increment(ref answered);
                }
#pragma warning disable CA1031 // Counting every failure is the point of the test.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();

        foreach (var package in new[] { two, one, two, one, two })
        {
            // Each swap lands while inferences are running: wait for a few more to have gone through first.
            await WaitForMoreAsync(() => Interlocked.Read(ref answered), 20);
            await _runtime.ActivateAsync(package);
            Assert.Equal(package.Manifest.Version, _runtime.Active("sensor-anomaly")!.Manifest.Version);
        }

        await WaitForMoreAsync(() => Interlocked.Read(ref answered), 20);
        await stop.CancelAsync();
        await Task.WhenAll(load);
        Assert.Equal(0, failures);
        Assert.Equal("2", _store.Current("sensor-anomaly"));
    }

    private static async Task WaitForMoreAsync(Func<long> count, int more)
    {
        var target = count() + more;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (count() < target)
        {
            Assert.True(DateTime.UtcNow < deadline, "inference stopped during the swaps");
            await poll.WaitForNextTickAsync();
        }
    }

    [Fact]
    public async Task A_tampered_model_is_refused_and_the_running_one_keeps_serving()
    {
        await _runtime.ActivateAsync(Package("1"));
        var genuine = Package("2");
        var onnx = genuine.Onnx.ToArray();
        onnx[^5] ^= 0x10;
        var tampered = ModelPackage.FromParts(genuine.ManifestBytes, onnx, genuine.Signature);

        await Assert.ThrowsAsync<ModelVerificationException>(() => _runtime.ActivateAsync(tampered));

        Assert.Equal("1", _runtime.Active("sensor-anomaly")!.Manifest.Version);
        Assert.Equal(1, (await _runtime.Active("sensor-anomaly")!.InferAsync(new float[] { 80, 0.3f, 10 })).LabelIndex);
    }

    [Fact]
    public async Task A_model_signed_by_another_key_is_refused_and_the_running_one_keeps_serving()
    {
        await _runtime.ActivateAsync(Package("1"));
        using var stranger = ModelSigner.Generate();

        await Assert.ThrowsAsync<ModelVerificationException>(() => _runtime.ActivateAsync(Package("2", stranger)));

        Assert.Equal("1", _runtime.Active("sensor-anomaly")!.Manifest.Version);
        Assert.Equal("1", _store.Current("sensor-anomaly"));
    }

    [Fact]
    public async Task Rolling_back_returns_to_the_previous_version_and_a_restart_keeps_it()
    {
        foreach (var package in new[] { Package("1"), Package("2") })
        {
            _store.Save(package);
            await _runtime.ActivateAsync(package);
        }

        var previous = await _runtime.RollBackAsync("sensor-anomaly");

        Assert.Equal("1", previous);
        Assert.Equal("1", _runtime.Active("sensor-anomaly")!.Manifest.Version);
        await using var restarted = new EdgeModelRuntime(_store, _trusted, NullLogger.Instance);
        await restarted.LoadCurrentAsync();
        Assert.Equal("1", restarted.Active("sensor-anomaly")!.Manifest.Version);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _runtime.DisposeAsync();
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using IotAi.Gateway.Hosting;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotAi.Cli.Bench;

/// <summary>
/// Inference latency through the model host under steady load, first with one version serving and then
/// while the active version is swapped twice a second, side by side in one run.
/// </summary>
internal static class HotSwapBenchmark
{
    private const int Callers = 4;

    public static async Task<HotSwapFigures> RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("iotai-bench-swap-");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var keys = ModelKeyring.Load(new ModelSigningOptions(), Path.Combine(root.FullName, "keys"));
        var registry = new ModelRegistry(Path.Combine(root.FullName, "models"), keys.Trusted);
        DefaultModelInstaller.Install(registry, keys.Signer, DefaultModelInstaller.BundledDirectory);
        var sensor = registry.Open("sensor-anomaly", "1");
        registry.Import(ModelPackage.Create(sensor.Manifest with { Version = "2" }, sensor.Onnx, keys.Signer));
        using var host = new ModelHost(
            Options.Create(new ModelHostOptions { Directory = registry.Root, KeysDirectory = root.FullName, RefreshInterval = TimeSpan.FromMilliseconds(50) }),
            registry,
            NullLogger<ModelHost>.Instance,
            new InferenceTelemetry(services.GetRequiredService<IMeterFactory>()));
        await host.StartAsync(cancellationToken);
        try
        {
            var steady = await MeasureAsync(host, duration, swap: null, cancellationToken);
            var swaps = 0;
            var swapping = await MeasureAsync(host, duration, async ct =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
                while (await timer.WaitForNextTickAsync(ct))
                {
                    registry.Promote("sensor-anomaly", swaps++ % 2 == 0 ? "2" : "1");
                }
            }, cancellationToken);
            return new HotSwapFigures(steady.Latency, swapping.Latency, steady.Failures + swapping.Failures, swaps);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            root.Delete(recursive: true);
        }
    }

    private static async Task<(LatencyPercentiles Latency, long Failures)> MeasureAsync(ModelHost host, TimeSpan duration, Func<CancellationToken, Task>? swap, CancellationToken cancellationToken)
    {
        var latency = new LatencyHistogram();
        var failures = 0L;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var input = new float[] { 45, 0.3f, 10 };
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await host.ForKind(PayloadKind.Telemetry)!.InferAsync(input);
                    latency.Record(Stopwatch.GetElapsedTime(started));
                }
#pragma warning disable CA1031 // A failed inference is what this benchmark counts.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, CancellationToken.None)).ToList();
        if (swap is not null)
        {
            callers.Add(Task.Run(async () =>
            {
                try
                {
                    await swap(stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The measuring time is up.
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(callers);
        return (latency.Summarize(), failures);
    }
}

/// <summary>Inference latency with one version serving and while versions are swapped.</summary>
internal sealed record HotSwapFigures(LatencyPercentiles Steady, LatencyPercentiles Swapping, long Failures, int Swaps);

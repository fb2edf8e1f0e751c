using System.Diagnostics;
using IotAi.Inference;
using IotAi.Models;
using IotAi.Protocol;
using IotAi.Simulator;

namespace IotAi.Bench;

/// <summary>
/// Inference latency through the model host under steady load, first with one version serving and then
/// while the active version is swapped twice a second, side by side in one run.
/// </summary>
public static class HotSwapBenchmark
{
    private const int Callers = 4;

    public static async Task<HotSwapFigures> RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var models = await InProcessModels.StartAsync(new BatchingOptions(), static (registry, signer) =>
        {
            var sensor = registry.Open("sensor-anomaly", "1");
            registry.Import(ModelPackage.Create(sensor.Manifest with { Version = "2" }, sensor.Onnx, signer));
        }, cancellationToken);
        var steady = await MeasureAsync(models.Host, duration, swap: null, cancellationToken);
        var swaps = 0;
        var swapping = await MeasureAsync(models.Host, duration, async ct =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await timer.WaitForNextTickAsync(ct))
            {
                models.Registry.Promote("sensor-anomaly", swaps++ % 2 == 0 ? "2" : "1");
            }
        }, cancellationToken);
        return new HotSwapFigures(steady.Latency, swapping.Latency, steady.Failures + swapping.Failures, swaps);
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
public sealed record HotSwapFigures(LatencyPercentiles Steady, LatencyPercentiles Swapping, long Failures, int Swaps);

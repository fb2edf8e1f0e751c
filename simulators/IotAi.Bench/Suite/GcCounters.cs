namespace IotAi.Bench.Suite;

/// <summary>
/// A silo's garbage-collector counters, read from its Prometheus endpoint (.NET's own <c>System.Runtime</c>
/// meter), so a window's allocations and collections are the difference of two reads.
/// </summary>
public sealed record GcCounters(double AllocatedBytes, long Gen0, long Gen1, long Gen2, double PauseSeconds)
{
    public const string AllocatedMetric = "dotnet_gc_heap_total_allocated_bytes_total";
    public const string CollectionsMetric = "dotnet_gc_collections_total";
    public const string PauseMetric = "dotnet_gc_pause_time_seconds_total";

    public static async Task<GcCounters> ReadAsync(SiloProcess silo, CancellationToken cancellationToken)
    {
        var text = await silo.ScrapeMetricsAsync(cancellationToken);
        if (!text.Contains(AllocatedMetric, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The silo's /metrics has no {AllocatedMetric}: is the System.Runtime meter exported?");
        }

        return new GcCounters(
            PrometheusText.Sum(text, AllocatedMetric),
            Collections(text, "gen0"),
            Collections(text, "gen1"),
            Collections(text, "gen2"),
            PrometheusText.Sum(text, PauseMetric));
    }

    private static long Collections(string text, string generation) =>
        (long)PrometheusText.Sum(text, CollectionsMetric, $"gc_heap_generation=\"{generation}\"");
}

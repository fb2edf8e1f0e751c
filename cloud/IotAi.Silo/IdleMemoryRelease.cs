using System.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAi.Silo;

/// <summary>
/// Gives back to the OS what a surge left behind, once the silo is quiet. A surge of camera images fills the large
/// object heap with image-sized buffers; once the devices go quiet nothing allocates, so no collection comes to free
/// them and the silo stays at its peak for good. Every <see cref="Period"/> this checks how much the process allocated
/// meanwhile: under <see cref="QuietBytes"/>, with the heap's committed memory more than <see cref="Growth"/> above
/// where the last release (or the start) left it, it runs one aggressive full collection, which compacts the large
/// object heap and decommits what is free. Busy or unchanged, it does nothing: a blocking collection never lands
/// in the middle of traffic.
/// </summary>
internal sealed partial class IdleMemoryRelease(ILogger<IdleMemoryRelease> logger) : BackgroundService
{
    /// <summary>How often the silo's allocations and heap are looked at.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>Allocating less than this over a period counts as quiet: a few idle devices' keep-alives, twins and timers.</summary>
    public const long QuietBytes = 16L * 1024 * 1024;

    /// <summary>How far the heap's committed memory must have grown since the last release to be worth a full collection.</summary>
    public const long Growth = 64L * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        var baseline = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var allocated = GC.GetTotalAllocatedBytes();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = GC.GetTotalAllocatedBytes();
            var quiet = now - allocated < QuietBytes;
            allocated = now;
            var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
            if (!quiet || committed - baseline < Growth)
            {
                // A heap that shrank by itself lowers the mark the next surge is measured from.
                baseline = Math.Min(baseline, committed);
                continue;
            }

            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            baseline = GC.GetGCMemoryInfo().TotalCommittedBytes;
            allocated = GC.GetTotalAllocatedBytes();
            LogReleased(committed >> 20, baseline >> 20);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The silo was quiet after a surge: the managed heap went from {BeforeMiB} MiB to {AfterMiB} MiB committed")]
    private partial void LogReleased(long beforeMiB, long afterMiB);
}

using System.ComponentModel.DataAnnotations;

namespace IotAi.Gateway.Http.Dashboard;

/// <summary>How often the dashboard samples the silo and how much history its charts keep (section <c>Dashboard</c>).</summary>
internal sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>Between two points of the charts; the page polls as often.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The points each chart keeps: with the default interval, ten minutes.</summary>
    [Range(2, 10_000)]
    public int HistoryPoints { get; set; } = 300;

    /// <summary>How long after the page last asked the fleet is still scanned; after it, only the silo's own meters are sampled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WatchedFor { get; set; } = TimeSpan.FromMinutes(1);
}

namespace IotAi.Grains.Broker;

/// <summary>
/// Which silos run a broker and which clients are in which shared subscription, cluster-wide. One activation (key
/// <see cref="Key"/>) holds it in memory only: every silo tells it its part again every few seconds, so a directory that
/// moved to another silo knows everything again within one round, and a silo that stops telling is gone from it.
/// </summary>
[Alias("IotAi.IBrokerDirectoryGrain")]
public interface IBrokerDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one key the directory has.</summary>
    public const string Key = "cluster";

    /// <summary>
    /// A silo's broker says it is there, with the shared subscriptions of the clients connected to it now and, in external
    /// broker mode, its client id at the user's broker; returns the cluster's view. A change is sent to every other silo as well.
    /// </summary>
    Task<BrokerClusterView> ReportAsync(string silo, IBrokerPeer peer, IReadOnlyList<SharedMember> members, string? externalClientId);

    /// <summary>A silo's broker is stopping: its clients leave their shared subscriptions at once.</summary>
    Task LeaveAsync(string silo);
}

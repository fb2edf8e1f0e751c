using Orleans.Concurrency;

namespace IotAi.Grains.Broker;

/// <summary>
/// A silo's embedded broker as the other silos reach it, so the silos act as one broker for clients other than devices:
/// a message published on one silo reaches the subscribers on every silo.
/// </summary>
[Alias("IotAi.IBrokerPeer")]
public interface IBrokerPeer : IGrainObserver
{
    /// <summary>Routes messages published on another silo to this silo's subscribers, in the order given.</summary>
    Task DeliverAsync(IReadOnlyList<RelayedMessage> messages);

    /// <summary>The directory's view changed: another silo came or went, or a shared subscription's members changed.</summary>
    [OneWay]
    Task ViewChangedAsync(BrokerClusterView view);
}

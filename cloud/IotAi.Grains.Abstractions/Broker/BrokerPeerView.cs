namespace IotAi.Grains.Broker;

/// <summary>
/// A silo's broker as the others see it: its name, the way to reach it, and in external broker mode its client id at the
/// user's broker, whose session another silo takes over should this one vanish.
/// </summary>
[GenerateSerializer, Immutable, Alias("IotAi.Broker.BrokerPeerView")]
public sealed record BrokerPeerView([property: Id(0)] string Silo, [property: Id(1)] IBrokerPeer Peer, [property: Id(2)] string? ExternalClientId = null);

/// <summary>The cluster's brokers and the members of every shared subscription, as the directory knows them now.</summary>
/// <param name="Directory">The directory activation that made it: a directory that moved starts counting again.</param>
/// <param name="Version">Grows with every change, so a silo keeps the newest view it was sent.</param>
/// <param name="Peers">Every silo's broker, by silo.</param>
/// <param name="Shared">Every member of every shared subscription, on whichever silo it is connected.</param>
[GenerateSerializer, Immutable, Alias("IotAi.Broker.BrokerClusterView")]
public sealed record BrokerClusterView(
    [property: Id(0)] Guid Directory,
    [property: Id(1)] long Version,
    [property: Id(2)] IReadOnlyList<BrokerPeerView> Peers,
    [property: Id(3)] IReadOnlyList<SharedMember> Shared);

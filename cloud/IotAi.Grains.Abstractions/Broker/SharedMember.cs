namespace IotAi.Grains.Broker;

/// <summary>
/// One client in a shared subscription (<c>$share/{Group}/{Filter}</c>), on the silo that holds its connection, with the
/// QoS it was granted.
/// </summary>
[GenerateSerializer, Immutable, Alias("IotAi.Broker.SharedMember")]
public sealed record SharedMember(
    [property: Id(0)] string Group,
    [property: Id(1)] string Filter,
    [property: Id(2)] string ClientId,
    [property: Id(3)] string Silo,
    [property: Id(4)] int QualityOfService);

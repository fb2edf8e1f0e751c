using Orleans.Concurrency;

namespace IotAi.Grains.Keys;

/// <summary>
/// The trusted key set the cluster pushes to devices (key 0): the last one a silo published. A silo that starts
/// with different keys from the stored set publishes a new one with the next version; device grains read it here
/// when their device connects or subscribes, so whichever silo a device reaches, it gets the newest set.
/// </summary>
[Alias("IotAi.IModelKeySetGrain")]
public interface IModelKeySetGrain : IGrainWithIntegerKey
{
    /// <summary>The current set, or null before any silo published one.</summary>
    [ReadOnly]
    Task<PublishedKeySet?> GetAsync();

    /// <summary>Stores <paramref name="keySet"/> if its version is higher than the stored one's; returns the set that is current afterwards.</summary>
    Task<PublishedKeySet> PublishAsync(PublishedKeySet keySet);
}

/// <summary>A signed trusted key set as devices receive it, with what operators need to know of it.</summary>
/// <param name="Version">The set's version.</param>
/// <param name="KeyIds">The ids of its keys, ordered.</param>
/// <param name="SignedBy">The id of the key that signed it.</param>
/// <param name="IssuedAt">When it was made.</param>
/// <param name="Payload">The <c>down/keys</c> message, UTF-8 JSON.</param>
[GenerateSerializer, Immutable, Alias("IotAi.PublishedKeySet")]
public sealed record PublishedKeySet(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<string> KeyIds,
    [property: Id(2)] string SignedBy,
    [property: Id(3)] DateTimeOffset IssuedAt,
    [property: Id(4)] byte[] Payload);

namespace IotAi.Grains.Broker;

/// <summary>
/// The cluster's retained messages, on the grain storage the cluster already uses (key <see cref="Key"/>): every silo
/// writes its clients' retained publishes here, and a silo that starts loads them, so each delivers the same set.
/// </summary>
[Alias("IotAi.IRetainedMessagesGrain")]
public interface IRetainedMessagesGrain : IGrainWithStringKey
{
    /// <summary>The one key the store has.</summary>
    public const string Key = "cluster";

    /// <summary>
    /// Keeps <paramref name="message"/> as its topic's retained message (an empty payload clears it), and returns the
    /// order it was written in, so every silo keeps the last one written; or why it was refused.
    /// </summary>
    Task<RetainResult> SetAsync(RelayedMessage message);

    /// <summary>Every retained message that has not expired, with the seconds each has left.</summary>
    Task<IReadOnlyList<RetainedMessage>> ListAsync();
}

/// <summary>A retained message as stored: the message, the order it was written in, and when it expires (null: never).</summary>
[GenerateSerializer, Immutable, Alias("IotAi.Broker.RetainedMessage")]
public sealed record RetainedMessage([property: Id(0)] RelayedMessage Message, [property: Id(1)] long Sequence, [property: Id(2)] DateTimeOffset? ExpiresAt);

/// <summary>The order a retained message was written in, or why it was not kept.</summary>
[GenerateSerializer, Immutable, Alias("IotAi.Broker.RetainResult")]
public sealed record RetainResult([property: Id(0)] long Sequence, [property: Id(1)] string? Refusal);

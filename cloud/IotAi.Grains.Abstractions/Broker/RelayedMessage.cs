namespace IotAi.Grains.Broker;

/// <summary>
/// A message a client published on one silo, carried to another so the clients subscribed there receive it: what the
/// publisher sent, as MQTT 5 has it, with the seconds it has left to live (0: it never expires).
/// </summary>
/// <param name="Topic">The topic it was published on.</param>
/// <param name="Payload">Its bytes.</param>
/// <param name="QualityOfService">0, 1 or 2, as published; each subscriber gets it at no more than it asked for.</param>
/// <param name="ExpirySeconds">What is left of its Message Expiry Interval; 0 for none.</param>
/// <param name="ContentType">Its content type, or null.</param>
/// <param name="ResponseTopic">Its response topic, or null.</param>
/// <param name="CorrelationData">Its correlation data, or null.</param>
/// <param name="PayloadIsUtf8">Its payload format indicator.</param>
/// <param name="UserProperties">Its user properties, in order (values as UTF-8 bytes), or null.</param>
/// <param name="Retain">Whether it was published to be retained.</param>
/// <param name="RetainSequence">For a retained message, the order the cluster's store wrote it in (0 for others): a silo keeps a topic's retained message only if it is newer than the one it holds.</param>
/// <param name="SharedTo">The client of a shared subscription this copy is for alone; null: every ordinary subscriber.</param>
[GenerateSerializer, Immutable, Alias("IotAi.Broker.RelayedMessage")]
public sealed record RelayedMessage(
    [property: Id(0)] string Topic,
    [property: Id(1)] byte[] Payload,
    [property: Id(2)] int QualityOfService,
    [property: Id(3)] uint ExpirySeconds,
    [property: Id(4)] string? ContentType,
    [property: Id(5)] string? ResponseTopic,
    [property: Id(6)] byte[]? CorrelationData,
    [property: Id(7)] bool PayloadIsUtf8,
    [property: Id(8)] IReadOnlyList<KeyValuePair<string, byte[]>>? UserProperties,
    [property: Id(9)] bool Retain,
    [property: Id(10)] string? SharedTo,
    [property: Id(11)] long RetainSequence = 0);

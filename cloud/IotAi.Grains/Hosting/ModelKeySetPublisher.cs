using System.Text.Json;
using IotAi.Grains.Keys;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace IotAi.Grains.Hosting;

/// <summary>
/// Publishes the keys devices are to trust for models: this silo's signing key and its <c>Models:Signing:TrustedKeyFiles</c>,
/// signed with the signing key. When they differ from the set the cluster holds, the set gets the next version and
/// devices receive it on <c>down/keys</c> as they connect. It runs once the silo is active and before MQTT starts, so every
/// device that connects here already gets the new set.
/// </summary>
public sealed partial class ModelKeySetPublisher(IGrainFactory grains, ModelKeyring keys, TimeProvider clock, ILogger<ModelKeySetPublisher> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(ModelKeySetPublisher), ServiceLifecycleStage.Active, StartAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IModelKeySetGrain>(0);
        var current = await grain.GetAsync();
        var ids = keys.Trusted.KeyIds.Order(StringComparer.Ordinal).ToList();
        var named = string.Join(", ", ids);
        if (current is not null && current.KeyIds.SequenceEqual(ids, StringComparer.Ordinal))
        {
            LogUnchanged(current.Version, named);
            return;
        }

        var set = TrustedKeySet.Of(keys.Trusted, (current?.Version ?? 0) + 1, clock.GetUtcNow());
        var payload = JsonSerializer.SerializeToUtf8Bytes(set.Sign(keys.Signer), ProtocolJson.Wire.SignedKeySet);
        var published = await grain.PublishAsync(new PublishedKeySet(set.Version, set.KeyIds, keys.Signer.KeyId, set.IssuedAt, payload));
        LogPublished(published.Version, named, published.SignedBy);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Devices are given model key set version {Version}: keys {KeyIds}")]
    private partial void LogUnchanged(long version, string keyIds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model key set version {Version} published: keys {KeyIds}, signed by {SignedBy}; devices roll to it as they connect")]
    private partial void LogPublished(long version, string keyIds, string signedBy);
}

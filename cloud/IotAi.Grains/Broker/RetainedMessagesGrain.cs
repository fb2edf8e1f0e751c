using IotAi.Grains.Broker;
using Microsoft.Extensions.Options;

namespace IotAi.Grains;

/// <summary>
/// The cluster's retained messages in one state (see <see cref="IRetainedMessagesGrain"/>), written before a retained
/// publish is acknowledged. It is meant for what services and observers retain (a status per topic), not for bulk
/// data: every change writes the whole set, and <see cref="RetainedMessagesOptions.MaxMessages"/> bounds it.
/// </summary>
public sealed class RetainedMessagesGrain(
    [PersistentState("retained", DeviceGrain.StorageName)] IPersistentState<RetainedMessagesState> store,
    IOptions<RetainedMessagesOptions> options,
    TimeProvider time) : Grain, IRetainedMessagesGrain
{
    public async Task<RetainResult> SetAsync(RelayedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var messages = store.State.Messages;
        if (message.Payload.Length > 0 && !messages.ContainsKey(message.Topic) && messages.Count >= options.Value.MaxMessages)
        {
            DropExpired();
            if (messages.Count >= options.Value.MaxMessages)
            {
                return new RetainResult(0, $"the cluster keeps at most {options.Value.MaxMessages} retained messages");
            }
        }

        var sequence = ++store.State.Sequence;
        if (message.Payload.Length == 0)
        {
            messages.Remove(message.Topic);
        }
        else
        {
            var expiresAt = message.ExpirySeconds > 0 ? time.GetUtcNow().AddSeconds(message.ExpirySeconds) : (DateTimeOffset?)null;
            messages[message.Topic] = new RetainedMessage(message with { SharedTo = null, RetainSequence = sequence }, sequence, expiresAt);
        }

        await store.WriteStateAsync();
        return new RetainResult(sequence, null);
    }

    public Task<IReadOnlyList<RetainedMessage>> ListAsync()
    {
        var now = time.GetUtcNow();
        return Task.FromResult<IReadOnlyList<RetainedMessage>>([.. store.State.Messages.Values
            .Where(m => m.ExpiresAt is null || m.ExpiresAt > now)
            .Select(m => m.ExpiresAt is { } at ? m with { Message = m.Message with { ExpirySeconds = (uint)Math.Max(1, Math.Ceiling((at - now).TotalSeconds)) } } : m)]);
    }

    private void DropExpired()
    {
        var now = time.GetUtcNow();
        foreach (var topic in store.State.Messages.Where(m => m.Value.ExpiresAt <= now).Select(static m => m.Key).ToList())
        {
            store.State.Messages.Remove(topic);
        }
    }
}

/// <summary>The cluster's retained messages, by topic, and the last write's order.</summary>
[GenerateSerializer, Alias("IotAi.RetainedMessagesState")]
public sealed class RetainedMessagesState
{
    [Id(0)] public Dictionary<string, RetainedMessage> Messages { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long Sequence { get; set; }
}

/// <summary>How many retained messages the cluster keeps. Bound from <c>Mqtt:Retained</c>.</summary>
public sealed class RetainedMessagesOptions
{
    public const string SectionName = "Mqtt:Retained";

    /// <summary>The most topics with a retained message at once; a retained publish on a new topic past it gets Quota exceeded (0x97).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int MaxMessages { get; set; } = 10_000;
}

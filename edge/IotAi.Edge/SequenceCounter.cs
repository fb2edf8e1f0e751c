using Microsoft.Extensions.Options;

namespace IotAi.Edge;

/// <summary>
/// Hands out the device's uplink sequence numbers: 1, 2, 3 and so on, continuing from what the
/// <see cref="ISequenceStore"/> remembers. Only the publisher loop calls it, one call at a time.
/// </summary>
public sealed class SequenceCounter(ISequenceStore store, IOptions<EdgeAgentOptions> options)
{
    private readonly string _deviceId = options.Value.DeviceId;
    private long? _last;

    public async ValueTask<long> NextAsync(CancellationToken cancellationToken)
    {
        var next = (_last ??= await store.ReadLastAsync(_deviceId, cancellationToken)) + 1;

        // Stored before it is used, so a crash can skip a number but never repeat one.
        await store.WriteLastAsync(_deviceId, next, cancellationToken);
        _last = next;
        return next;
    }
}

namespace IotAi.Edge;

/// <summary>
/// The default until the durable outbound queue arrives: it remembers numbers in memory, and a device it has
/// no number for starts from the clock (milliseconds since 1970). A restarted agent therefore continues above
/// every number it used before, as long as it sent fewer than a thousand uplinks a second, and the cloud does
/// not drop its first messages as repeats.
/// </summary>
public sealed class ClockSeededSequenceStore(TimeProvider time) : ISequenceStore
{
    private readonly InMemorySequenceStore _memory = new();

    public async ValueTask<long> ReadLastAsync(string deviceId, CancellationToken cancellationToken)
    {
        var last = await _memory.ReadLastAsync(deviceId, cancellationToken);
        return last > 0 ? last : time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public ValueTask WriteLastAsync(string deviceId, long sequence, CancellationToken cancellationToken) =>
        _memory.WriteLastAsync(deviceId, sequence, cancellationToken);
}

using System.Collections.Concurrent;

namespace IotAi.Edge;

/// <summary>Keeps sequence numbers for the life of the process only; see <see cref="ISequenceStore"/>.</summary>
public sealed class InMemorySequenceStore : ISequenceStore
{
    private readonly ConcurrentDictionary<string, long> _last = new(StringComparer.Ordinal);

    public ValueTask<long> ReadLastAsync(string deviceId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_last.GetValueOrDefault(deviceId));

    public ValueTask WriteLastAsync(string deviceId, long sequence, CancellationToken cancellationToken)
    {
        _last[deviceId] = sequence;
        return ValueTask.CompletedTask;
    }
}

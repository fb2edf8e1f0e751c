using IotAi.Models;
using IotAi.Protocol;

namespace IotAi.Grains.Devices;

/// <summary>
/// One device's state for each stateful model it calls, as Triton's sequence batcher keeps a sequence's: what the
/// model's state outputs gave on the device's last call, fed back to its state inputs on the next. It lives in the
/// activation's memory only: a device whose grain is deactivated or moves to another silo starts its next sequence
/// afresh, and its reply says so (<c>sequence_start: true</c>).
/// </summary>
internal sealed class DeviceSequences(TimeProvider clock)
{
    private readonly Dictionary<string, Sequence> _byModel = new(StringComparer.Ordinal);

    private sealed record Sequence(string Version, DateTimeOffset LastCall, IReadOnlyList<NamedTensor> State);

    /// <summary>
    /// The state inputs for this call of <paramref name="manifest"/>'s model: the last call's state outputs, or none (the
    /// model then starts from zeros) when the device asks to start afresh, has not called it, called another version,
    /// or has been quiet longer than the model's idle time. <c>Fresh</c> says which.
    /// </summary>
    public (IReadOnlyList<NamedTensor> State, bool Fresh) Take(ModelManifest manifest, bool start)
    {
        var idle = TimeSpan.FromSeconds(manifest.StateIdleSeconds ?? ModelManifest.DefaultStateIdleSeconds);
        if (!start && _byModel.TryGetValue(manifest.Name, out var sequence) && sequence.Version == manifest.Version
            && clock.GetUtcNow() - sequence.LastCall <= idle)
        {
            return (sequence.State, false);
        }

        _byModel.Remove(manifest.Name);
        return ([], true);
    }

    /// <summary>Keeps what the call's state outputs gave, renamed to the inputs they feed; or forgets the state when the sequence ends.</summary>
    public void Keep(ModelManifest manifest, IReadOnlyList<NamedTensor> outputs, bool end)
    {
        if (end)
        {
            _byModel.Remove(manifest.Name);
            return;
        }

        var state = manifest.StatePairs.Select(pair => outputs.First(o => o.Name == pair.Output) with { Name = pair.Input }).ToList();
        _byModel[manifest.Name] = new Sequence(manifest.Version, clock.GetUtcNow(), state);
    }
}

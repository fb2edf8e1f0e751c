using IotAi.Protocol;

namespace IotAi.Inference;

/// <summary>
/// The silo-local model host: one singleton per silo, so a grain's inference never leaves the silo the
/// grain lives on. It owns one ONNX Runtime session and one batcher per loaded model version.
/// </summary>
public interface IModelHost
{
    /// <summary>The model that serves <paramref name="kind"/>, or null when none is loaded.</summary>
    LoadedModel? ForKind(PayloadKind kind);

    /// <summary>The active version of <paramref name="name"/>, or null when the registry has none.</summary>
    LoadedModel? Active(string name);

    /// <summary>A particular version, loaded (and warmed up) on first use; null when it is not registered.</summary>
    ValueTask<LoadedModel?> GetAsync(string name, string version, CancellationToken cancellationToken = default);

    /// <summary>Every model version loaded now: the active ones, and others asked for by version.</summary>
    IReadOnlyCollection<LoadedModel> Models { get; }
}

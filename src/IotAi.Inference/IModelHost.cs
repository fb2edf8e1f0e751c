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

    /// <summary>Every model version now serving.</summary>
    IReadOnlyCollection<LoadedModel> Models { get; }
}

namespace IotAi.Models;

/// <summary>A version in the registry: its signed manifest, its state, and where its ONNX blob lies.</summary>
public sealed record RegisteredModel(ModelManifest Manifest, ModelSignature Signature, ModelState State, string BlobPath)
{
    public string Name => Manifest.Name;

    public string Version => Manifest.Version;
}

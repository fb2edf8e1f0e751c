using IotAi.Models;
using IotAi.Inference;

namespace IotAi.Training;

/// <summary>An exported model: its ONNX bytes (the head, for a model on a backbone), the manifest that tells the model host how to use it, and the backbone's bytes if it runs on one.</summary>
public sealed record TrainedModel(ModelManifest Manifest, byte[] Onnx, byte[]? Backbone = null)
{
    /// <summary>The model signed as a package, with every part it needs.</summary>
    public ModelPackage Sign(ModelSigner signer) => ModelPackage.Create(Manifest, Onnx, signer, Backbone);

    /// <summary>Writes <c>{directory}/{name}/{version}/model.onnx</c> and its manifest; returns that folder.</summary>
    public string SaveTo(string directory)
    {
        var folder = Path.Combine(directory, Manifest.Name, Manifest.Version);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName), Onnx);
        Manifest.Save(Path.Combine(folder, ModelManifest.FileName));
        return folder;
    }
}

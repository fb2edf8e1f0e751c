using IotAi.Models;
using IotAi.Inference;

namespace IotAi.Training;

/// <summary>An exported model: its ONNX bytes and the manifest that tells the model host how to use it.</summary>
public sealed record TrainedModel(ModelManifest Manifest, byte[] Onnx)
{
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

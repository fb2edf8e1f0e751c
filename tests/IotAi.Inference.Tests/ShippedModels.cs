using IotAi.Models;
using IotAi.Inference;

namespace IotAi.Inference.Tests;

/// <summary>The default models as the gateway ships them, copied beside the test assembly.</summary>
internal static class ShippedModels
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "DefaultModels");

    public static OnnxModel Load(string name)
    {
        var folder = Path.Combine(Directory, name, "1");
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        return new OnnxModel(manifest, File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)));
    }
}

using IotAi.Models;

namespace IotAi.Edge.Tests;

/// <summary>The gateway's shipped sensor model, as the edge tests sign and serve it.</summary>
internal static class ShippedSensorModel
{
    public static (ModelManifest Manifest, byte[] Onnx) Read()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "DefaultModels", "sensor-anomaly", "1");
        return (ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName)), File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)));
    }

    /// <summary>The model signed by <paramref name="signer"/>, and a file in <paramref name="folder"/> with the key an agent must trust for it.</summary>
    public static async Task<(ModelPackage Package, string TrustedKeyFile)> SignAsync(ModelSigner signer, string folder)
    {
        var (manifest, onnx) = Read();
        var key = Path.Combine(folder, "gateway.pub.pem");
        await File.WriteAllTextAsync(key, signer.ExportPublicKeyPem());
        return (ModelPackage.Create(manifest, onnx, signer), key);
    }
}

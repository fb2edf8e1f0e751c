namespace IotAi.Models;

/// <summary>
/// The models the gateway ships with, as <c>{name}/{version}</c> folders of a manifest and an ONNX file
/// (built by <c>iotai models build</c>), and their import into a registry, signed with a given key.
/// </summary>
public static class ShippedModels
{
    /// <summary>Where the shipped models sit beside the assemblies of the program that runs.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "DefaultModels");

    /// <summary>The folder of one shipped model version.</summary>
    public static string Folder(string name, string version) => Path.Combine(Directory, name, version);

    /// <summary>Signs and imports every <c>{name}/{version}</c> folder under <paramref name="shipped"/> (<see cref="Directory"/> by default).</summary>
    public static IReadOnlyList<RegisteredModel> Install(ModelRegistry registry, ModelSigner signer, string? shipped = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return [.. System.IO.Directory.EnumerateFiles(shipped ?? Directory, ModelManifest.FileName, SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(manifest => registry.Import(ModelPackage.Create(
                ModelManifest.Load(manifest),
                File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(manifest)!, ModelManifest.OnnxFileName)),
                signer)))];
    }
}

namespace IotAi.Models;

/// <summary>
/// The models the gateway ships with, as <c>{name}/{version}</c> folders of a manifest and an ONNX file
/// (built by <c>iotai models build</c>), and their import into a registry, signed with a given key.
/// The image model comes in two forms: a head on ResNet18, kept under <c>resnet18/</c> and installed by default, and
/// the small model on raw pixels in the top folders, for devices and tests that cannot spend a 63 MB backbone.
/// </summary>
public static class ShippedModels
{
    /// <summary>The folder, under <see cref="Directory"/>, of the models that run on ResNet18 and replace their small namesakes.</summary>
    public const string ResNet18Folder = "resnet18";

    /// <summary>Where the shipped models sit beside the assemblies of the program that runs.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "DefaultModels");

    /// <summary>The folder of one shipped model version, in its small form.</summary>
    public static string Folder(string name, string version) => Path.Combine(Directory, name, version);

    /// <summary>
    /// Signs and imports every <c>{name}/{version}</c> folder under <paramref name="shipped"/> (<see cref="Directory"/> by
    /// default). With <see cref="ShippedImageModel.ResNet18"/>, a model kept under <see cref="ResNet18Folder"/> replaces its
    /// small namesake, and <paramref name="backbones"/> gives the bytes of the backbone its manifest names.
    /// </summary>
    public static IReadOnlyList<RegisteredModel> Install(
        ModelRegistry registry, ModelSigner signer, string? shipped = null, ShippedImageModel image = ShippedImageModel.Pixels, Func<BackbonePart, byte[]>? backbones = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var root = shipped ?? Directory;
        var folders = Versions(root).ToDictionary(static f => (f.Name, f.Version), static f => f.Path);
        if (image == ShippedImageModel.ResNet18)
        {
            foreach (var variant in Versions(Path.Combine(root, ResNet18Folder)))
            {
                folders[(variant.Name, variant.Version)] = variant.Path;
            }
        }

        return [.. folders.OrderBy(static f => f.Value, StringComparer.Ordinal).Select(folder => registry.Import(Package(folder.Value, signer, backbones)))];
    }

    private static ModelPackage Package(string folder, ModelSigner signer, Func<BackbonePart, byte[]>? backbones)
    {
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        var onnx = File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName));
        if (manifest.Backbone is not { } part)
        {
            return ModelPackage.Create(manifest, onnx, signer);
        }

        var backbone = backbones?.Invoke(part)
            ?? throw new InvalidOperationException($"Shipped model {manifest.Name} {manifest.Version} runs on {part.Name}, and no backbone was given to install it with.");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(backbone));
        return sha == part.Sha256
            ? ModelPackage.Create(manifest, onnx, signer, backbone)
            : throw new InvalidDataException(
                $"Shipped model {manifest.Name} {manifest.Version} is a head on {part.Name} {part.Sha256[..12]}, and the {part.Name} beside the program is {sha[..12]}: build the program again (iotai models build), or install the small image model (Models:ShippedImageModel=Pixels).");
    }

    /// <summary>The <c>{name}/{version}</c> folders right under <paramref name="root"/> that hold a manifest.</summary>
    private static IEnumerable<(string Name, string Version, string Path)> Versions(string root) =>
        System.IO.Directory.Exists(root)
            ? System.IO.Directory.EnumerateDirectories(root)
                .Where(static d => Path.GetFileName(d) != ResNet18Folder)
                .SelectMany(static model => System.IO.Directory.EnumerateDirectories(model).Select(version => (Path.GetFileName(model), Path.GetFileName(version), version)))
                .Where(static v => File.Exists(Path.Combine(v.Item3, ModelManifest.FileName)))
            : [];
}

/// <summary>Which form of the shipped image model an empty registry is given.</summary>
public enum ShippedImageModel
{
    /// <summary>A head on ImageNet's ResNet18, trained on the simulated camera's frames: what the demo and a new silo serve.</summary>
    ResNet18,

    /// <summary>The small model on 32 × 32 grey pixels: 0.2 MB, for small devices, and for tests that run many agents.</summary>
    Pixels,
}

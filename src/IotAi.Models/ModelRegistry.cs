using System.Globalization;
using System.Text.Json;

namespace IotAi.Models;

/// <summary>
/// Signed model versions in a directory. ONNX files are stored once by their SHA-256
/// (<c>blobs/sha256/{hash}</c>), so versions that share weights share bytes and a blob's name proves its
/// content. Each version keeps its manifest exactly as signed and its signature under
/// <c>models/{name}/{version}/</c>; <c>models/{name}/state.json</c> says which version is active and which
/// are deprecated. Nothing unsigned or altered gets in: every import is verified against the trusted keys.
/// </summary>
public sealed class ModelRegistry(string root, TrustedKeys trusted)
{
    private readonly Lock _lock = new();

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Verifies and stores a package; importing the same version again is a no-op, a different one an error.</summary>
    public RegisteredModel Import(ModelPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        package.Verify(trusted);
        var manifest = package.Manifest;
        CheckName(manifest.Name);
        CheckName(manifest.Version);
        lock (_lock)
        {
            var folder = VersionFolder(manifest.Name, manifest.Version);
            var manifestPath = Path.Combine(folder, ModelManifest.FileName);
            if (File.Exists(manifestPath))
            {
                if (File.ReadAllBytes(manifestPath).AsSpan().SequenceEqual(package.ManifestBytes))
                {
                    // Another silo sharing the folder may have written the files and not yet made its first version
                    // active: whichever finishes the import does it, so neither starts with the model not serving.
                    ActivateIfFirst(manifest);
                    return Find(manifest.Name, manifest.Version)!;
                }

                throw new InvalidOperationException($"{manifest.Name} version {manifest.Version} is already registered with other content; give the new model another version.");
            }

            StoreBlob(manifest.Sha256!, package.Onnx);
            if (manifest.Backbone is { } backbone)
            {
                StoreBlob(backbone.Sha256, package.Backbone!);
            }

            WriteAtomically(Path.Combine(folder, ModelSignature.FileName), JsonSerializer.SerializeToUtf8Bytes(package.Signature, SignatureJson.Default.ModelSignature));
            WriteAtomically(manifestPath, package.ManifestBytes);
            ActivateIfFirst(manifest);
            return Find(manifest.Name, manifest.Version)!;
        }
    }

    public IReadOnlyList<RegisteredModel> List()
    {
        var models = Path.Combine(Root, "models");
        if (!Directory.Exists(models))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(models)
            .Order(StringComparer.Ordinal)
            .SelectMany(name => Versions(Path.GetFileName(name)))];
    }

    /// <summary>Every registered version of <paramref name="name"/>, oldest first.</summary>
    public IReadOnlyList<RegisteredModel> Versions(string name)
    {
        CheckName(name);
        var folder = Path.Combine(Root, "models", name);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(folder)
            .Select(v => Find(name, Path.GetFileName(v)))
            .OfType<RegisteredModel>()
            .OrderBy(m => m.Version, VersionComparer.Instance)];
    }

    public RegisteredModel? Find(string name, string version)
    {
        CheckName(name);
        CheckName(version);
        var folder = VersionFolder(name, version);
        var manifestPath = Path.Combine(folder, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return null;
        }

        var manifest = ModelPackage.ReadManifest(File.ReadAllBytes(manifestPath));
        var signature = ModelPackage.ParseSignature(File.ReadAllBytes(Path.Combine(folder, ModelSignature.FileName)));
        var state = ReadState(name);
        var modelState = state.Active == version ? ModelState.Active
            : state.Deprecated.Contains(version) ? ModelState.Deprecated
            : ModelState.Available;
        return new RegisteredModel(manifest, signature, modelState, BlobPath(manifest.Sha256!));
    }

    /// <summary>When the first version of <paramref name="name"/> was registered: the older model keeps serving its payload kind.</summary>
    public DateTimeOffset RegisteredAt(string name)
    {
        CheckName(name);
        return ReadState(name).Registered ?? DateTimeOffset.MaxValue;
    }

    /// <summary>The active version of <paramref name="name"/>, if it has one.</summary>
    public RegisteredModel? Active(string name)
    {
        CheckName(name);
        return ReadState(name).Active is { } version ? Find(name, version) : null;
    }

    /// <summary>Reads a version back as a package and verifies it again, so a blob changed on disk is caught.</summary>
    public ModelPackage Open(string name, string version)
    {
        var model = Find(name, version) ?? throw new KeyNotFoundException($"{name} version {version} is not registered.");
        var folder = VersionFolder(name, version);
        var backbone = model.Manifest.Backbone is { } part && File.Exists(BlobPath(part.Sha256)) ? File.ReadAllBytes(BlobPath(part.Sha256)) : null;
        var package = ModelPackage.FromParts(File.ReadAllBytes(Path.Combine(folder, ModelManifest.FileName)), File.ReadAllBytes(model.BlobPath), model.Signature, backbone);
        package.Verify(trusted);
        return package;
    }

    /// <summary>The manifest of a version exactly as it was signed.</summary>
    public byte[] ManifestBytes(string name, string version)
    {
        Require(name, version);
        return File.ReadAllBytes(Path.Combine(VersionFolder(name, version), ModelManifest.FileName));
    }

    /// <summary>Opens a stored ONNX blob by its SHA-256 for reading, or returns null when the registry has no such blob.</summary>
    public FileStream? OpenBlob(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        var path = BlobPath(sha256);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Makes <paramref name="version"/> the one that answers by default.</summary>
    public RegisteredModel Promote(string name, string version)
    {
        lock (_lock)
        {
            Require(name, version);
            var state = ReadState(name);
            WriteState(name, state with { Active = version, Deprecated = [.. state.Deprecated.Where(v => v != version)] });
            return Find(name, version)!;
        }
    }

    public RegisteredModel Deprecate(string name, string version)
    {
        lock (_lock)
        {
            Require(name, version);
            var state = ReadState(name);
            if (state.Active == version)
            {
                throw new InvalidOperationException($"{name} version {version} is active; promote another version before deprecating it.");
            }

            WriteState(name, state with { Deprecated = [.. state.Deprecated.Append(version).Distinct()] });
            return Find(name, version)!;
        }
    }

    /// <summary>Removes a version that is not active; its blob goes too when no other version uses it.</summary>
    public void Delete(string name, string version)
    {
        lock (_lock)
        {
            var model = Require(name, version);
            var state = ReadState(name);
            if (state.Active == version)
            {
                throw new InvalidOperationException($"{name} version {version} is active; promote another version before deleting it.");
            }

            Directory.Delete(VersionFolder(name, version), recursive: true);
            WriteState(name, state with { Deprecated = [.. state.Deprecated.Where(v => v != version)] });
            // A blob goes when no version left uses it: a backbone stays while any head trained on it is registered.
            var used = List().SelectMany(static m => m.Manifest.Backbone is { } b ? new[] { m.Manifest.Sha256!, b.Sha256 } : [m.Manifest.Sha256!]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var sha in model.Manifest.Backbone is { } backbone ? new[] { model.Manifest.Sha256!, backbone.Sha256 } : [model.Manifest.Sha256!])
            {
                if (!used.Contains(sha))
                {
                    File.Delete(BlobPath(sha));
                }
            }
        }
    }

    private void StoreBlob(string sha256, byte[] content)
    {
        var blob = BlobPath(sha256);
        if (!File.Exists(blob))
        {
            WriteAtomically(blob, content);
        }
    }

    private RegisteredModel Require(string name, string version) =>
        Find(name, version) ?? throw new KeyNotFoundException($"{name} version {version} is not registered.");

    private string VersionFolder(string name, string version) => Path.Combine(Root, "models", name, version);

    private string BlobPath(string sha256) => Path.Combine(Root, "blobs", "sha256", sha256.ToLowerInvariant());

    private RegistryState ReadState(string name)
    {
        var path = Path.Combine(Root, "models", name, "state.json");
        return File.Exists(path)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ManifestJson.Default.RegistryState) ?? new RegistryState(null, [])
            : new RegistryState(null, []);
    }

    /// <summary>The first version of a model serves at once; later ones wait to be promoted.</summary>
    private void ActivateIfFirst(ModelManifest manifest)
    {
        var state = ReadState(manifest.Name);
        if (state.Active is null)
        {
            WriteState(manifest.Name, state with { Active = manifest.Version, Registered = state.Registered ?? DateTimeOffset.UtcNow });
        }
    }

    private void WriteState(string name, RegistryState state) =>
        WriteAtomically(Path.Combine(Root, "models", name, "state.json"), JsonSerializer.SerializeToUtf8Bytes(state, ManifestJson.Default.RegistryState));

    private static void WriteAtomically(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A name of its own per write: silos sharing the folder (or one process hosting two) may write the same file at once.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>1 to 64 letters, digits, '-', '_' or '.', not starting with '.'; anything else cannot be registered.</summary>
    public static bool IsValidName(string? value) =>
        value is { Length: > 0 and <= 64 } && !value.StartsWith('.') && value.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>A version, or null when it is not registered or its name could not be one (as from a URL).</summary>
    public RegisteredModel? TryFind(string name, string version) => IsValidName(name) && IsValidName(version) ? Find(name, version) : null;

    /// <summary>Names and versions become folder names, so only a safe alphabet is allowed: no path can escape the registry.</summary>
    private static void CheckName(string value)
    {
        if (!IsValidName(value))
        {
            throw new ArgumentException($"'{value}' is not a valid model name or version: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'.", nameof(value));
        }
    }
}

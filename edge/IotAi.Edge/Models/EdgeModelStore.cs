using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using IotAi.Models;

namespace IotAi.Edge.Models;

/// <summary>
/// The agent's models on disk. Chunks of a download live under <c>staging/{sha256}/</c> until the file is
/// whole, so a transfer survives a restart and resumes with only the chunks that are missing. Each verified
/// version is kept as <c>{name}/{version}/</c> (manifest as signed, signature, ONNX), and
/// <c>{name}/current</c> and <c>{name}/previous</c> say which version runs and which to roll back to. Parts that
/// versions share (a pretrained backbone) are kept once, by hash, as <c>parts/{sha256}.onnx</c>, so a new head on
/// a backbone the device holds needs only the head.
/// </summary>
public sealed class EdgeModelStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public IReadOnlyList<int> MissingChunks(string sha256, int chunks)
    {
        var folder = Staging(sha256);
        return [.. Enumerable.Range(0, chunks).Where(i => !File.Exists(Path.Combine(folder, ChunkName(i))))];
    }

    public void WriteChunk(string sha256, int index, ReadOnlySpan<byte> chunk) =>
        WriteAtomically(Path.Combine(Staging(sha256), ChunkName(index)), chunk);

    /// <summary>Whether the staged chunks of a file, put together, have the SHA-256 that names it.</summary>
    public bool StagedFileMatches(string sha256, int chunks)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < chunks; i++)
        {
            hash.AppendData(File.ReadAllBytes(Path.Combine(Staging(sha256), ChunkName(i))));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset()) == sha256;
    }

    /// <summary>The downloaded file, chunk after chunk.</summary>
    public byte[] Assemble(string sha256, int chunks)
    {
        using var whole = new MemoryStream();
        for (var i = 0; i < chunks; i++)
        {
            whole.Write(File.ReadAllBytes(Path.Combine(Staging(sha256), ChunkName(i))));
        }

        return whole.ToArray();
    }

    public void DiscardStaging(string sha256)
    {
        var folder = Staging(sha256);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Whether the part <paramref name="sha256"/> is kept, verified, from an earlier version.</summary>
    public bool HasPart(string sha256) => File.Exists(PartPath(sha256));

    /// <summary>A kept part's bytes; null when it is not kept. Whoever uses them verifies them against the manifest that names them.</summary>
    public byte[]? ReadPart(string sha256) => HasPart(sha256) ? File.ReadAllBytes(PartPath(sha256)) : null;

    /// <summary>Forgets a kept part that did not verify, so the next offer fetches it again.</summary>
    public void DiscardPart(string sha256)
    {
        if (HasPart(sha256))
        {
            File.Delete(PartPath(sha256));
        }
    }

    /// <summary>Keeps a verified package as a version on disk, and its backbone, once, among the parts.</summary>
    public void Save(ModelPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (package.Manifest.Backbone is { } backbone && !HasPart(backbone.Sha256))
        {
            WriteAtomically(PartPath(backbone.Sha256), package.Backbone);
        }

        var folder = VersionFolder(package.Manifest.Name, package.Manifest.Version);
        WriteAtomically(Path.Combine(folder, ModelManifest.OnnxFileName), package.Onnx);
        WriteAtomically(Path.Combine(folder, ModelSignature.FileName), JsonSerializer.SerializeToUtf8Bytes(package.Signature, SignatureJson.Default.ModelSignature));
        WriteAtomically(Path.Combine(folder, ModelManifest.FileName), package.ManifestBytes);
    }

    public ModelPackage? Load(string name, string version)
    {
        var folder = VersionFolder(name, version);
        var manifest = Path.Combine(folder, ModelManifest.FileName);
        if (!File.Exists(manifest))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(manifest);
        var backbone = ModelPackage.ReadManifest(bytes).Backbone is { } part ? ReadPart(part.Sha256) : null;
        return ModelPackage.FromParts(
            bytes,
            File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)),
            ModelPackage.ParseSignature(File.ReadAllBytes(Path.Combine(folder, ModelSignature.FileName))),
            backbone);
    }

    public string? Current(string name) => ReadPointer(name, "current");

    public string? Previous(string name) => ReadPointer(name, "previous");

    /// <summary>Makes <paramref name="version"/> current and remembers the one it replaces for a rollback.</summary>
    public void SetCurrent(string name, string version)
    {
        var current = Current(name);
        if (current is not null && current != version)
        {
            WritePointer(name, "previous", current);
        }

        WritePointer(name, "current", version);
    }

    /// <summary>Goes back to the previous version; returns it, or null when there is none.</summary>
    public string? RollBack(string name)
    {
        var previous = Previous(name);
        if (previous is null)
        {
            return null;
        }

        WritePointer(name, "current", previous);
        File.Delete(Path.Combine(Root, name, "previous"));
        return previous;
    }

    /// <summary>Every model name with a current version, for loading at start.</summary>
    public IReadOnlyList<string> Names() => Directory.Exists(Root)
        ? [.. Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(n => n is not ("staging" or "parts") && File.Exists(Path.Combine(Root, n!, "current")))!]
        : [];

    private string Staging(string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower)
            ? Path.Combine(Root, "staging", sha256)
            : throw new ArgumentException("A model blob is named by its lower-case SHA-256.", nameof(sha256));

    private string PartPath(string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower)
            ? Path.Combine(Root, "parts", sha256 + ".onnx")
            : throw new ArgumentException("A model part is named by its lower-case SHA-256.", nameof(sha256));

    private string VersionFolder(string name, string version) => Path.Combine(Root, Safe(name), Safe(version));

    private string? ReadPointer(string name, string pointer)
    {
        var path = Path.Combine(Root, Safe(name), pointer);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private void WritePointer(string name, string pointer, string version) =>
        WriteAtomically(Path.Combine(Root, Safe(name), pointer), System.Text.Encoding.UTF8.GetBytes(Safe(version)));

    private static string ChunkName(int index) => index.ToString("D6", CultureInfo.InvariantCulture) + ".chunk";

    /// <summary>Names and versions become folder names: only what the registry itself allows.</summary>
    private static string Safe(string value) =>
        ModelRegistry.IsValidName(value) ? value : throw new ArgumentException($"'{value}' is not a valid model name or version.", nameof(value));

    private static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            file.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

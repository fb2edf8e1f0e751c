using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace IotAi.Models;

/// <summary>
/// A signed, versioned model as it travels: <c>manifest.json</c>, <c>model.onnx</c> and the detached
/// <c>signature.json</c> over the manifest's exact bytes, in one zip file (<c>.iotai</c>). The manifest bytes
/// are kept as they were signed and never re-serialised, so verification checks what was really signed.
/// </summary>
public sealed class ModelPackage
{
    public const string Extension = ".iotai";

    /// <summary>The largest ONNX file a package may hold: 1 GiB.</summary>
    public const long MaxOnnxBytes = 1L << 30;

    private const long MaxManifestBytes = 1 << 20;

    private ModelPackage(byte[] manifestBytes, ModelManifest manifest, byte[] onnx, ModelSignature? signature)
    {
        ManifestBytes = manifestBytes;
        Manifest = manifest;
        Onnx = onnx;
        Signature = signature;
    }

    public ModelManifest Manifest { get; }

    /// <summary>The manifest exactly as signed.</summary>
    public byte[] ManifestBytes { get; }

    public byte[] Onnx { get; }

    public ModelSignature? Signature { get; }

    /// <summary>Fills in the ONNX hash and signs the manifest.</summary>
    public static ModelPackage Create(ModelManifest manifest, byte[] onnx, ModelSigner signer)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(signer);
        var hashed = manifest with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)) };
        hashed.Validate($"model {manifest.Name} {manifest.Version}");
        var bytes = JsonSerializer.SerializeToUtf8Bytes(hashed, ModelManifest.JsonOptions);
        return new ModelPackage(bytes, hashed, onnx, signer.Sign(bytes));
    }

    /// <summary>Puts already stored parts back together; <see cref="Verify"/> still has to pass before use.</summary>
    public static ModelPackage FromParts(byte[] manifestBytes, byte[] onnx, ModelSignature? signature) =>
        new(manifestBytes, ReadManifest(manifestBytes), onnx, signature);

    /// <summary>Reads a package file; throws <see cref="ModelVerificationException"/> for anything that is not one.</summary>
    public static ModelPackage Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var manifest = ReadEntry(zip, ModelManifest.FileName, MaxManifestBytes) ?? throw new ModelVerificationException($"the package has no {ModelManifest.FileName}");
            var onnx = ReadEntry(zip, ModelManifest.OnnxFileName, MaxOnnxBytes) ?? throw new ModelVerificationException($"the package has no {ModelManifest.OnnxFileName}");
            var signature = ReadEntry(zip, ModelSignature.FileName, MaxManifestBytes) is { } json ? ParseSignature(json) : null;
            return FromParts(manifest, onnx, signature);
        }
        catch (InvalidDataException ex)
        {
            throw new ModelVerificationException($"the file is not a model package ({ex.Message})", ex);
        }
    }

    public void WriteTo(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, ModelManifest.FileName, ManifestBytes);
        if (Signature is not null)
        {
            WriteEntry(zip, ModelSignature.FileName, JsonSerializer.SerializeToUtf8Bytes(Signature));
        }

        WriteEntry(zip, ModelManifest.OnnxFileName, Onnx);
    }

    /// <summary>Throws <see cref="ModelVerificationException"/> unless a trusted key signed the manifest and the ONNX bytes match its hash.</summary>
    public void Verify(TrustedKeys trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        trusted.Verify(ManifestBytes, Signature);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Onnx));
        if (!string.Equals(hash, Manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelVerificationException($"the ONNX file's SHA-256 is {hash}, the signed manifest says {Manifest.Sha256}: the model was altered");
        }
    }

    public static ModelSignature ParseSignature(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelSignature>(json) ?? throw new ModelVerificationException("signature.json is empty");
        }
        catch (JsonException ex)
        {
            throw new ModelVerificationException("signature.json is not a signature", ex);
        }
    }

    /// <summary>Parses and checks manifest bytes; throws <see cref="ModelVerificationException"/> if they are not a manifest.</summary>
    public static ModelManifest ReadManifest(byte[] bytes)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ModelManifest>(bytes, ModelManifest.JsonOptions)
                ?? throw new ModelVerificationException("the manifest is empty");
            manifest.Validate("the manifest");
            return manifest;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            throw new ModelVerificationException($"the manifest cannot be read: {ex.Message}", ex);
        }
    }

    private static byte[]? ReadEntry(ZipArchive zip, string name, long limit)
    {
        var entry = zip.GetEntry(name);
        if (entry is null)
        {
            return null;
        }

        // The declared size is checked before inflating, so a zip bomb is refused without being expanded.
        if (entry.Length > limit)
        {
            throw new ModelVerificationException($"{name} is {entry.Length} bytes; at most {limit} are accepted");
        }

        using var content = entry.Open();
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        return copy.ToArray();
    }

    private static void WriteEntry(ZipArchive zip, string name, byte[] content)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(content);
    }
}

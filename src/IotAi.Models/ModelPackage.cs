using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace IotAi.Models;

/// <summary>
/// A signed, versioned model as it travels: <c>manifest.json</c>, <c>model.onnx</c>, for a model on a backbone
/// <c>backbone.onnx</c>, and the detached <c>signature.json</c> over the manifest's exact bytes, in one zip file
/// (<c>.iotai</c>). The manifest bytes are kept as they were signed and never re-serialised, so verification checks
/// what was really signed; the manifest holds the hash of every part.
/// </summary>
public sealed class ModelPackage
{
    public const string Extension = ".iotai";

    /// <summary>The largest ONNX file a package may hold: 1 GiB.</summary>
    public const long MaxOnnxBytes = 1L << 30;

    private const long MaxManifestBytes = 1 << 20;

    private ModelPackage(byte[] manifestBytes, ModelManifest manifest, byte[] onnx, ModelSignature? signature, byte[]? backbone)
    {
        ManifestBytes = manifestBytes;
        Manifest = manifest;
        Onnx = onnx;
        Signature = signature;
        Backbone = backbone;
    }

    public ModelManifest Manifest { get; }

    /// <summary>The manifest exactly as signed.</summary>
    public byte[] ManifestBytes { get; }

    /// <summary>The model's own graph: the whole model, or the head of one on a backbone.</summary>
    public byte[] Onnx { get; }

    /// <summary>The backbone's ONNX bytes, for a model whose manifest has one.</summary>
    public byte[]? Backbone { get; }

    public ModelSignature? Signature { get; }

    /// <summary>Fills in the hash of each part (the ONNX graph, and the backbone if the manifest has one) and signs the manifest.</summary>
    public static ModelPackage Create(ModelManifest manifest, byte[] onnx, ModelSigner signer, byte[]? backbone = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(signer);
        if ((manifest.Backbone is null) != (backbone is null))
        {
            throw new ArgumentException(manifest.Backbone is null ? "The manifest names no backbone for these bytes." : "A model on a backbone is packaged with the backbone.", nameof(backbone));
        }

        var hashed = manifest with
        {
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)),
            Backbone = manifest.Backbone is null ? null : manifest.Backbone with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(backbone!)), Bytes = backbone!.LongLength },
        };
        hashed.Validate($"model {manifest.Name} {manifest.Version}");
        var bytes = JsonSerializer.SerializeToUtf8Bytes(hashed, ManifestJson.Default.ModelManifest);
        return new ModelPackage(bytes, hashed, onnx, signer.Sign(bytes), backbone);
    }

    /// <summary>Puts already stored parts back together; <see cref="Verify"/> still has to pass before use.</summary>
    public static ModelPackage FromParts(byte[] manifestBytes, byte[] onnx, ModelSignature? signature, byte[]? backbone = null) =>
        new(manifestBytes, ReadManifest(manifestBytes), onnx, signature, backbone);

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
            return FromParts(manifest, onnx, signature, ReadEntry(zip, BackbonePart.FileName, MaxOnnxBytes));
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
            WriteEntry(zip, ModelSignature.FileName, JsonSerializer.SerializeToUtf8Bytes(Signature, SignatureJson.Default.ModelSignature));
        }

        WriteEntry(zip, ModelManifest.OnnxFileName, Onnx);
        if (Backbone is not null)
        {
            WriteEntry(zip, BackbonePart.FileName, Backbone);
        }
    }

    /// <summary>Throws <see cref="ModelVerificationException"/> unless a trusted key signed the manifest and every part matches its hash.</summary>
    public void Verify(TrustedKeys trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        trusted.Verify(ManifestBytes, Signature);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Onnx));
        if (!string.Equals(hash, Manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelVerificationException($"the ONNX file's SHA-256 is {hash}, the signed manifest says {Manifest.Sha256}: the model was altered");
        }

        if (Manifest.Backbone is { } part)
        {
            var backbone = Backbone is null ? null : Convert.ToHexStringLower(SHA256.HashData(Backbone));
            if (!string.Equals(backbone, part.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelVerificationException(backbone is null
                    ? $"the model runs on the backbone {part.Name} ({part.Sha256}), which is missing"
                    : $"the backbone's SHA-256 is {backbone}, the signed manifest says {part.Sha256}: the backbone was altered");
            }

            if (Backbone!.LongLength != part.Bytes)
            {
                throw new ModelVerificationException($"the backbone is {Backbone.LongLength} bytes, the signed manifest says {part.Bytes}");
            }
        }
    }

    public static ModelSignature ParseSignature(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, SignatureJson.Default.ModelSignature) ?? throw new ModelVerificationException("signature.json is empty");
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
            var manifest = JsonSerializer.Deserialize(bytes, ManifestJson.Default.ModelManifest)
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

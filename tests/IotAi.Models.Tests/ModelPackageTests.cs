using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using IotAi.Protocol;

namespace IotAi.Models.Tests;

public sealed class ModelPackageTests : IDisposable
{
    /// <summary>
    /// The options manifests were first written with, by reflection: the generated code must write the same bytes,
    /// which are what gets signed and what agents already in the field parse.
    /// </summary>
    private static readonly JsonSerializerOptions ReflectionManifestOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();

    public ModelPackageTests() => _trusted.Add(_signer.ExportPublicKeyPem());

    [Fact]
    public void A_package_on_a_backbone_carries_both_parts_and_the_signature_covers_each()
    {
        var signer = ModelSigner.Generate();
        var trusted = new TrustedKeys();
        trusted.Add(signer.ExportPublicKeyPem());
        var backbone = Packages.Onnx(7);
        var bytes = Packages.ToBytes(ModelPackage.Create(Packages.OnBackbone("1"), Packages.Onnx(1), signer, backbone));

        var read = Packages.FromBytes(bytes);
        read.Verify(trusted);
        var altered = ModelPackage.FromParts(read.ManifestBytes, read.Onnx, read.Signature, [.. backbone.Take(4095), 0x55]);
        var missing = ModelPackage.FromParts(read.ManifestBytes, read.Onnx, read.Signature);

        Assert.Equal(backbone, read.Backbone);
        Assert.Equal(4096L, read.Manifest.Backbone!.Bytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(backbone)), read.Manifest.Backbone.Sha256);
        Assert.Contains("the backbone was altered", Assert.Throws<ModelVerificationException>(() => altered.Verify(trusted)).Message, StringComparison.Ordinal);
        Assert.Contains("the backbone resnet18", Assert.Throws<ModelVerificationException>(() => missing.Verify(trusted)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ModelPackage.Create(Packages.OnBackbone("1"), Packages.Onnx(1), signer));
    }

    [Fact]
    public void A_signed_package_survives_the_round_trip_and_verifies()
    {
        var package = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), _signer);

        var read = Packages.FromBytes(Packages.ToBytes(package));
        read.Verify(_trusted);

        Assert.Equal(package.ManifestBytes, read.ManifestBytes);
        Assert.Equal(Packages.Onnx(), read.Onnx);
        Assert.Equal(_signer.KeyId, read.Signature!.KeyId);
        Assert.Equal(64, read.Manifest.Sha256!.Length);
        Assert.Equal("snapshot-3", read.Manifest.Lineage!.DatasetSnapshot);
    }

    [Fact]
    public void A_manifest_is_written_as_reflection_wrote_it_with_every_enum_by_its_camel_case_name()
    {
        var manifest = Packages.Manifest() with
        {
            Kind = PayloadKind.Image,
            Features = [],
            Image = new ImagePreprocessing(32, 24, ChannelOrder.Bgr) { Layout = TensorLayout.Nhwc, ElementType = PixelType.UInt8, Resize = ResizeMode.Letterbox, PadValue = 114 },
            Metrics = new Dictionary<string, double> { ["accuracy"] = 0.98625 },
            Inputs = [new TensorSpec("Features", "uint8", [-1, 24, 32, 3])],
            CreatedAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero),
        };

        var package = ModelPackage.Create(manifest, Packages.Onnx(), _signer);

        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(package.Manifest, ReflectionManifestOptions)), Encoding.UTF8.GetString(package.ManifestBytes));
        Assert.Contains("\"kind\": \"image\"", Encoding.UTF8.GetString(package.ManifestBytes), StringComparison.Ordinal);
        var read = ModelPackage.ReadManifest(package.ManifestBytes);
        Assert.Equal(
            (PayloadKind.Image, ScoreForm.BinaryProbability, ChannelOrder.Bgr, TensorLayout.Nhwc, PixelType.UInt8, ResizeMode.Letterbox),
            (read.Kind, read.ScoreForm, read.Image!.Channels, read.Image.Layout, read.Image.ElementType, read.Image.Resize));
    }

    [Fact]
    public void Altered_weights_are_refused()
    {
        var package = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), _signer);
        var tampered = ModelPackage.FromParts(package.ManifestBytes, Packages.Onnx(seed: 3), package.Signature);

        var error = Assert.Throws<ModelVerificationException>(() => tampered.Verify(_trusted));
        Assert.Contains("was altered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_altered_manifest_is_refused()
    {
        var package = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), _signer);
        var edited = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(package.ManifestBytes).Replace("\"anomaly\"", "\"fine\"", StringComparison.Ordinal));
        var tampered = ModelPackage.FromParts(edited, package.Onnx, package.Signature);

        var error = Assert.Throws<ModelVerificationException>(() => tampered.Verify(_trusted));
        Assert.Contains("does not match the manifest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_signed_by_an_untrusted_key_is_refused()
    {
        using var stranger = ModelSigner.Generate();
        var package = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), stranger);

        var error = Assert.Throws<ModelVerificationException>(() => package.Verify(_trusted));
        Assert.Contains($"key {stranger.KeyId}, which is not trusted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forged_signature_under_a_trusted_key_id_is_refused()
    {
        using var forger = ModelSigner.Generate();
        var genuine = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), _signer);
        var forged = forger.Sign(genuine.ManifestBytes) with { KeyId = _signer.KeyId };

        Assert.Throws<ModelVerificationException>(() => ModelPackage.FromParts(genuine.ManifestBytes, genuine.Onnx, forged).Verify(_trusted));
    }

    [Fact]
    public void An_unsigned_package_is_refused()
    {
        var package = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), _signer);
        var unsigned = ModelPackage.FromParts(package.ManifestBytes, package.Onnx, signature: null);
        var read = Packages.FromBytes(Packages.ToBytes(unsigned));

        var error = Assert.Throws<ModelVerificationException>(() => read.Verify(_trusted));
        Assert.Contains("not signed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_package_says_so()
    {
        var error = Assert.Throws<ModelVerificationException>(() => Packages.FromBytes(Encoding.UTF8.GetBytes("definitely not a zip")));
        Assert.Contains("not a model package", error.Message, StringComparison.Ordinal);

        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.CreateEntry("readme.txt");
        }

        var empty = Assert.Throws<ModelVerificationException>(() => ModelPackage.Read(new MemoryStream(stream.ToArray())));
        Assert.Contains("no manifest.json", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trusting_a_second_key_lets_both_verify_for_rotation()
    {
        using var next = ModelSigner.Generate();
        _trusted.Add(next.ExportPublicKeyPem());

        ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), _signer).Verify(_trusted);
        ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), next).Verify(_trusted);
        Assert.Equal(2, _trusted.KeyIds.Count);
    }

    [Fact]
    public void A_signing_key_survives_export_to_pem()
    {
        using var restored = ModelSigner.FromPem(_signer.ExportPrivateKeyPem());

        Assert.Equal(_signer.KeyId, restored.KeyId);
        ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), restored).Verify(_trusted);
        Assert.Throws<InvalidDataException>(() => ModelSigner.FromPem("-----BEGIN NOTHING-----"));
    }

    public void Dispose()
    {
        _signer.Dispose();
        _trusted.Dispose();
    }
}

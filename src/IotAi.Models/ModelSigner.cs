using System.Security.Cryptography;
using System.Text;

namespace IotAi.Models;

/// <summary>Signs model manifests with an ECDSA P-256 private key.</summary>
public sealed class ModelSigner : IDisposable
{
    /// <summary>Prefixed to every signed manifest, so a model signature can never be replayed as any other kind.</summary>
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("iotai.model-manifest.v1\n");

    private readonly ECDsa _key;

    public ModelSigner(ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (privateKey.KeySize != 256)
        {
            throw new ArgumentException("Model signing keys are ECDSA P-256.", nameof(privateKey));
        }

        _key = privateKey;
        KeyId = KeyIds.Of(privateKey);
    }

    public string KeyId { get; }

    public static ModelSigner Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static ModelSigner FromPem(string privateKeyPem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(privateKeyPem);
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new InvalidDataException("The model signing key is not an ECDSA private key in PEM form.", ex);
        }

        return new ModelSigner(key);
    }

    public ModelSignature Sign(ReadOnlySpan<byte> manifest) =>
        new(KeyId, ModelSignature.Es256, Convert.ToBase64String(_key.SignData(Payload(manifest), HashAlgorithmName.SHA256)));

    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    public string ExportPublicKeyPem() => _key.ExportSubjectPublicKeyInfoPem();

    public void Dispose() => _key.Dispose();

    internal static byte[] Payload(ReadOnlySpan<byte> manifest) => [.. Domain, .. manifest];
}

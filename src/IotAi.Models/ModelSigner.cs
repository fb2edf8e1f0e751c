using System.Security.Cryptography;

namespace IotAi.Models;

/// <summary>Signs model manifests, and the trusted key sets devices roll to, with an ECDSA P-256 private key.</summary>
public sealed class ModelSigner : IDisposable
{
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

    public ModelSignature Sign(ReadOnlySpan<byte> manifest) => Sign(SignedContent.Manifest, manifest);

    /// <summary>Signs a trusted key set document (<see cref="TrustedKeySet"/>), under a domain of its own.</summary>
    public ModelSignature SignKeySet(ReadOnlySpan<byte> document) => Sign(SignedContent.KeySet, document);

    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    public string ExportPublicKeyPem() => _key.ExportSubjectPublicKeyInfoPem();

    public void Dispose() => _key.Dispose();

    private ModelSignature Sign(SignedContent content, ReadOnlySpan<byte> bytes) =>
        new(KeyId, ModelSignature.Es256, Convert.ToBase64String(_key.SignData(content.Payload(bytes), HashAlgorithmName.SHA256)));
}

using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace IotAi.Models;

/// <summary>
/// The public keys whose signatures a party accepts. A set rather than one key, so a new signing key can be
/// trusted before the old one is retired and rotation needs no downtime.
/// </summary>
public sealed class TrustedKeys : IDisposable
{
    private readonly ConcurrentDictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> KeyIds => [.. _keys.Keys];

    /// <summary>Trusts a public key given as PEM; returns its key id.</summary>
    public string Add(string publicKeyPem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(publicKeyPem);
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new InvalidDataException("A trusted model key is not an ECDSA public key in PEM form.", ex);
        }

        var id = Models.KeyIds.Of(key);
        if (!_keys.TryAdd(id, key))
        {
            key.Dispose();
        }

        return id;
    }

    /// <summary>Throws <see cref="ModelVerificationException"/> unless a trusted key made <paramref name="signature"/> over <paramref name="manifest"/>.</summary>
    public void Verify(ReadOnlySpan<byte> manifest, ModelSignature? signature)
    {
        if (signature is null)
        {
            throw new ModelVerificationException("the model is not signed");
        }

        if (signature.Algorithm != ModelSignature.Es256)
        {
            throw new ModelVerificationException($"the signature uses {signature.Algorithm}; only {ModelSignature.Es256} is accepted");
        }

        if (!_keys.TryGetValue(signature.KeyId, out var key))
        {
            throw new ModelVerificationException($"the model is signed by key {signature.KeyId}, which is not trusted here");
        }

        byte[] value;
        try
        {
            value = Convert.FromBase64String(signature.Value);
        }
        catch (FormatException)
        {
            throw new ModelVerificationException("the signature is not valid base64");
        }

        if (!key.VerifyData(ModelSigner.Payload(manifest), value, HashAlgorithmName.SHA256))
        {
            throw new ModelVerificationException($"the signature does not match the manifest: it was altered after signing, or signed by another key claiming id {signature.KeyId}");
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }
}

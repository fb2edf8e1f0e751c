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

    /// <summary>
    /// Stops trusting a key. The key is not disposed: a verification on another thread may be using it, so it is
    /// left to the garbage collector.
    /// </summary>
    public void Remove(string keyId) => _keys.TryRemove(keyId, out _);

    /// <summary>The trusted public keys, by key id, as PEM.</summary>
    public IReadOnlyDictionary<string, string> Export() =>
        _keys.ToDictionary(static k => k.Key, static k => k.Value.ExportSubjectPublicKeyInfoPem(), StringComparer.Ordinal);

    /// <summary>Throws <see cref="ModelVerificationException"/> unless a trusted key made <paramref name="signature"/> over <paramref name="manifest"/>.</summary>
    public void Verify(ReadOnlySpan<byte> manifest, ModelSignature? signature)
    {
        if (Refusal(SignedContent.Manifest, manifest, signature) is { } reason)
        {
            throw new ModelVerificationException(reason);
        }
    }

    /// <summary>Throws <see cref="InvalidDataException"/> unless a trusted key made <paramref name="signature"/> over a key set <paramref name="document"/>.</summary>
    public void VerifyKeySet(ReadOnlySpan<byte> document, ModelSignature? signature)
    {
        if (Refusal(SignedContent.KeySet, document, signature) is { } reason)
        {
            throw new InvalidDataException($"Key set refused: {reason}.");
        }
    }

    /// <summary>Why <paramref name="signature"/> does not make <paramref name="bytes"/> trusted, or null when it does.</summary>
    private string? Refusal(SignedContent content, ReadOnlySpan<byte> bytes, ModelSignature? signature)
    {
        if (signature is null)
        {
            return $"the {content.Subject} is not signed";
        }

        if (signature.Algorithm != ModelSignature.Es256)
        {
            return $"the signature uses {signature.Algorithm}; only {ModelSignature.Es256} is accepted";
        }

        if (!_keys.TryGetValue(signature.KeyId, out var key))
        {
            return $"the {content.Subject} is signed by key {signature.KeyId}, which is not trusted here";
        }

        byte[] value;
        try
        {
            value = Convert.FromBase64String(signature.Value);
        }
        catch (FormatException)
        {
            return "the signature is not valid base64";
        }

        return key.VerifyData(content.Payload(bytes), value, HashAlgorithmName.SHA256)
            ? null
            : $"the signature does not match the {content.Document}: it was altered after signing, or signed by another key claiming id {signature.KeyId}";
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

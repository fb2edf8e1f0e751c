using System.Text.Json;
using System.Text.Json.Serialization;
using IotAi.Protocol;

namespace IotAi.Models;

/// <summary>
/// The public keys devices are to trust for models, numbered so a device keeps only the newest it has seen. The
/// silo signs it with its signing key and pushes it (<see cref="SignedKeySet"/>); a device that verifies it against
/// the keys it already trusts rolls to it at once, which is how a new signing key reaches a fleet without downtime.
/// </summary>
/// <param name="Keys">The keys, each with its id (the first 16 hex digits of the SHA-256 of its public key).</param>
/// <param name="Version">Grows with each change of the keys.</param>
/// <param name="IssuedAt">When the set was made.</param>
public sealed record TrustedKeySet(
    [property: JsonPropertyName("keys")] IReadOnlyList<TrustedPublicKey> Keys,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("issuedAt")] DateTimeOffset IssuedAt)
{
    /// <summary>The most keys a set may hold: a rotation needs two or three.</summary>
    public const int MaxKeys = 16;

    private const int MaxDocumentBytes = 64 * 1024;

    /// <summary>The set of every key in <paramref name="keys"/>, ordered by key id.</summary>
    public static TrustedKeySet Of(TrustedKeys keys, long version, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new([.. keys.Export().OrderBy(static k => k.Key, StringComparer.Ordinal).Select(static k => new TrustedPublicKey(k.Key, k.Value))], version, issuedAt);
    }

    /// <summary>The key ids, ordered.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> KeyIds => [.. Keys.Select(static k => k.KeyId).Order(StringComparer.Ordinal)];

    public SignedKeySet Sign(ModelSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var document = JsonSerializer.SerializeToUtf8Bytes(this, SignatureJson.Default.TrustedKeySet);
        var signature = signer.SignKeySet(document);
        return new SignedKeySet(Convert.ToBase64String(document), signature.KeyId, signature.Algorithm, signature.Value);
    }

    /// <summary>
    /// Checks that a key in <paramref name="trusted"/> signed <paramref name="message"/> and that it is well formed, every key id naming
    /// its key, and returns it; throws <see cref="InvalidDataException"/> saying why otherwise.
    /// </summary>
    public static TrustedKeySet Open(SignedKeySet message, TrustedKeys trusted)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(trusted);
        byte[] document;
        try
        {
            document = Convert.FromBase64String(message.KeySet ?? "");
        }
        catch (FormatException)
        {
            throw Refused("the key set is not valid base64");
        }

        if (document.Length is 0 or > MaxDocumentBytes)
        {
            throw Refused($"the key set document is {document.Length} bytes; 1 to {MaxDocumentBytes} are accepted");
        }

        trusted.VerifyKeySet(document, string.IsNullOrEmpty(message.Signature) ? null : new ModelSignature(message.KeyId ?? "", message.Algorithm ?? "", message.Signature));
        TrustedKeySet? set;
        try
        {
            set = JsonSerializer.Deserialize(document, SignatureJson.Default.TrustedKeySet);
        }
        catch (JsonException ex)
        {
            throw Refused($"the key set cannot be read: {ex.Message}");
        }

        set?.Validate();
        return set ?? throw Refused("the key set is empty");
    }

    private void Validate()
    {
        if (Keys is not { Count: > 0 and <= MaxKeys } || Version < 1)
        {
            throw Refused($"a key set holds 1 to {MaxKeys} keys and a version from 1");
        }

        using var check = new TrustedKeys();
        foreach (var key in Keys)
        {
            string id;
            try
            {
                id = key?.PublicKeyPem is null ? "" : check.Add(key.PublicKeyPem);
            }
            catch (InvalidDataException)
            {
                id = "";
            }

            if (id != key?.KeyId)
            {
                throw Refused($"key {key?.KeyId} is not an ECDSA public key with that id");
            }
        }
    }

    private static InvalidDataException Refused(string reason) => new($"Key set refused: {reason}.");
}

/// <summary>One key of a <see cref="TrustedKeySet"/>.</summary>
/// <param name="KeyId">The first 16 hex digits of the SHA-256 of the public key.</param>
/// <param name="PublicKeyPem">The ECDSA P-256 public key, as PEM (SubjectPublicKeyInfo).</param>
public sealed record TrustedPublicKey(
    [property: JsonPropertyName("keyId")] string KeyId,
    [property: JsonPropertyName("publicKeyPem")] string PublicKeyPem);

using System.Text;
using System.Text.Json;

namespace IotAi.Models.Tests;

/// <summary>Trusted key sets: signed under a domain of their own, and every key named by its own id.</summary>
public sealed class TrustedKeySetTests : IDisposable
{
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly ModelSigner _next = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();

    public TrustedKeySetTests() => _trusted.Add(_signer.ExportPublicKeyPem());

    [Fact]
    public void A_signed_set_opens_with_its_keys_and_version()
    {
        _trusted.Add(_next.ExportPublicKeyPem());
        var set = TrustedKeySet.Of(_trusted, 4, DateTimeOffset.UnixEpoch);

        var opened = TrustedKeySet.Open(set.Sign(_signer), _trusted);

        Assert.Equal(4, opened.Version);
        Assert.Equal(new[] { _signer.KeyId, _next.KeyId }.Order(StringComparer.Ordinal), opened.KeyIds);
    }

    [Fact]
    public void A_model_signature_over_the_same_bytes_does_not_pass_as_a_key_set_signature()
    {
        var document = JsonSerializer.SerializeToUtf8Bytes(TrustedKeySet.Of(_trusted, 1, DateTimeOffset.UnixEpoch));
        var modelSignature = _signer.Sign(document);

        var error = Assert.Throws<InvalidDataException>(() => TrustedKeySet.Open(
            new Protocol.SignedKeySet(Convert.ToBase64String(document), modelSignature.KeyId, modelSignature.Algorithm, modelSignature.Value), _trusted));

        Assert.Contains("does not match the key set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_whose_key_id_names_another_key_is_refused_though_signed()
    {
        var lying = new TrustedKeySet([new TrustedPublicKey(_signer.KeyId, _next.ExportPublicKeyPem())], 2, DateTimeOffset.UnixEpoch);

        var error = Assert.Throws<InvalidDataException>(() => TrustedKeySet.Open(lying.Sign(_signer), _trusted));

        Assert.Contains($"key {_signer.KeyId} is not an ECDSA public key with that id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_removed_from_the_trusted_keys_no_longer_verifies()
    {
        var manifest = Encoding.UTF8.GetBytes("{}");
        _trusted.Add(_next.ExportPublicKeyPem());
        _trusted.Verify(manifest, _next.Sign(manifest));

        _trusted.Remove(_next.KeyId);

        Assert.Throws<ModelVerificationException>(() => _trusted.Verify(manifest, _next.Sign(manifest)));
    }

    public void Dispose()
    {
        _signer.Dispose();
        _next.Dispose();
        _trusted.Dispose();
    }
}

using System.Text;

namespace IotAi.Models;

/// <summary>
/// What a signature is over. Each kind prefixes its bytes with a domain of its own before signing, so a signature
/// made for one kind can never be replayed as another: a model signature never passes as a trusted key set.
/// </summary>
internal sealed class SignedContent
{
    public static readonly SignedContent Manifest = new("iotai.model-manifest.v1\n", "model", "manifest");

    public static readonly SignedContent KeySet = new("iotai.trusted-keys.v1\n", "key set", "key set");

    private readonly byte[] _domain;

    private SignedContent(string domain, string subject, string document)
    {
        _domain = Encoding.ASCII.GetBytes(domain);
        Subject = subject;
        Document = document;
    }

    /// <summary>What is refused when the signature fails, in words: "model".</summary>
    public string Subject { get; }

    /// <summary>The signed bytes, in words: "manifest".</summary>
    public string Document { get; }

    public byte[] Payload(ReadOnlySpan<byte> content) => [.. _domain, .. content];
}

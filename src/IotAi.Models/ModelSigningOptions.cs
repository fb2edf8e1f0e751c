namespace IotAi.Models;

/// <summary>
/// Where the model signing key comes from. Bound from <c>Models:Signing</c>. In Kubernetes the key is a
/// Secret, mounted as a file or passed as an environment variable; with neither set, a key is generated on
/// first run and kept in the data directory.
/// </summary>
public sealed class ModelSigningOptions
{
    public const string SectionName = "Models:Signing";

    /// <summary>A PEM file holding the ECDSA P-256 private key, such as a mounted Secret.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>The PEM text of the private key, such as an environment variable from a Secret.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>More public keys (PEM files) to trust besides this gateway's own, e.g. the next key during a rotation.</summary>
    public IList<string> TrustedKeyFiles { get; } = [];
}

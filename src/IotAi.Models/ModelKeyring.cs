namespace IotAi.Models;

/// <summary>This party's signing key and the public keys it trusts, which always include its own.</summary>
public sealed class ModelKeyring : IDisposable
{
    public const string GeneratedKeyFileName = "model-signing-key.pem";

    private ModelKeyring(ModelSigner signer, TrustedKeys trusted, string source)
    {
        Signer = signer;
        Trusted = trusted;
        Source = source;
    }

    public ModelSigner Signer { get; }

    public TrustedKeys Trusted { get; }

    /// <summary>Where the signing key came from, for the start-up log; never the key itself.</summary>
    public string Source { get; }

    /// <summary>Loads the configured key, or the one generated earlier in <paramref name="keysDirectory"/>, or generates it.</summary>
    public static ModelKeyring Load(ModelSigningOptions options, string keysDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (signer, source) = LoadSigner(options, keysDirectory);
        var trusted = new TrustedKeys();
        trusted.Add(signer.ExportPublicKeyPem());
        foreach (var file in options.TrustedKeyFiles)
        {
            trusted.Add(File.ReadAllText(file));
        }

        return new ModelKeyring(signer, trusted, source);
    }

    public void Dispose()
    {
        Signer.Dispose();
        Trusted.Dispose();
    }

    private static (ModelSigner Signer, string Source) LoadSigner(ModelSigningOptions options, string keysDirectory)
    {
        if (!string.IsNullOrWhiteSpace(options.PrivateKeyPem))
        {
            return (ModelSigner.FromPem(options.PrivateKeyPem), "Models:Signing:PrivateKeyPem");
        }

        if (!string.IsNullOrWhiteSpace(options.PrivateKeyFile))
        {
            return (ModelSigner.FromPem(File.ReadAllText(options.PrivateKeyFile)), options.PrivateKeyFile);
        }

        var generated = Path.Combine(keysDirectory, GeneratedKeyFileName);
        if (File.Exists(generated))
        {
            return (ModelSigner.FromPem(File.ReadAllText(generated)), generated);
        }

        // Silos starting together on one data directory take turns, so exactly one makes the key and the others read it.
        using var turn = FileLock.Take(Path.Combine(keysDirectory, ".generate.lock"), TimeSpan.FromSeconds(30));
        if (File.Exists(generated))
        {
            return (ModelSigner.FromPem(File.ReadAllText(generated)), generated);
        }

        var signer = ModelSigner.Generate();
        // Written whole to a file readable by the owner only, then moved into place: a reader sees the whole key or none.
        var temporary = Path.Combine(keysDirectory, $"{GeneratedKeyFileName}.{Guid.NewGuid():N}.tmp");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, create))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(signer.ExportPrivateKeyPem());
        }

        File.Move(temporary, generated, overwrite: false);
        File.WriteAllText(Path.Combine(keysDirectory, $"{signer.KeyId}.pub.pem"), signer.ExportPublicKeyPem());
        return (signer, generated + " (generated)");
    }
}

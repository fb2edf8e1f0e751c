namespace IotAi.Models.Tests;

public sealed class ModelKeyringTests : IDisposable
{
    private readonly DirectoryInfo _keys = Directory.CreateTempSubdirectory("iotai-keys-");

    [Fact]
    public void A_generated_key_is_kept_private_and_reused_on_the_next_start()
    {
        string firstId;
        using (var first = ModelKeyring.Load(new ModelSigningOptions(), _keys.FullName))
        {
            firstId = first.Signer.KeyId;
            Assert.Contains("(generated)", first.Source, StringComparison.Ordinal);
        }

        using var second = ModelKeyring.Load(new ModelSigningOptions(), _keys.FullName);
        var keyFile = Path.Combine(_keys.FullName, ModelKeyring.GeneratedKeyFileName);

        Assert.Equal(firstId, second.Signer.KeyId);
        Assert.True(OperatingSystem.IsLinux(), "these tests run where the gateway runs: Linux");
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Assert.True(File.Exists(Path.Combine(_keys.FullName, $"{firstId}.pub.pem")));
    }

    [Fact]
    public void Silos_starting_together_on_one_directory_end_with_one_key()
    {
        // Many rounds of 8 silos released at once onto an empty directory: a check-then-move let two of them each
        // keep a key of their own now and then, and then one refused the models the other signed.
        for (var round = 0; round < 40; round++)
        {
            var directory = _keys.CreateSubdirectory($"round-{round}").FullName;
            using var start = new Barrier(8);
            var keyrings = new ModelKeyring[8];
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    keyrings[i] = ModelKeyring.Load(new ModelSigningOptions(), directory);
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            })).ToList();
            threads.ForEach(static t => t.Start());
            threads.ForEach(static t => t.Join());
            Assert.Empty(failures);

            var onDisk = ModelSigner.FromPem(File.ReadAllText(Path.Combine(directory, ModelKeyring.GeneratedKeyFileName)));
            Assert.All(keyrings, k => Assert.Equal(onDisk.KeyId, k.Signer.KeyId));
            Assert.Single(Directory.EnumerateFiles(directory, "*.pub.pem"));
            onDisk.Dispose();
            Array.ForEach(keyrings, static k => k.Dispose());
        }
    }

    [Fact]
    public void A_configured_key_wins_and_extra_trusted_keys_are_added()
    {
        using var configured = ModelSigner.Generate();
        using var next = ModelSigner.Generate();
        var nextFile = Path.Combine(_keys.FullName, "next.pub.pem");
        File.WriteAllText(nextFile, next.ExportPublicKeyPem());
        var options = new ModelSigningOptions { PrivateKeyPem = configured.ExportPrivateKeyPem() };
        options.TrustedKeyFiles.Add(nextFile);

        using var keyring = ModelKeyring.Load(options, _keys.FullName);

        Assert.Equal(configured.KeyId, keyring.Signer.KeyId);
        Assert.Equal(new[] { configured.KeyId, next.KeyId }.Order(), keyring.Trusted.KeyIds.Order());
        Assert.False(File.Exists(Path.Combine(_keys.FullName, ModelKeyring.GeneratedKeyFileName)));
    }

    public void Dispose() => _keys.Delete(recursive: true);
}

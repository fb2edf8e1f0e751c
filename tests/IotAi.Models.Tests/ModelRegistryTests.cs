namespace IotAi.Models.Tests;

public sealed class ModelRegistryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-registry-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();
    private readonly ModelRegistry _registry;

    public ModelRegistryTests()
    {
        _trusted.Add(_signer.ExportPublicKeyPem());
        _registry = new ModelRegistry(_root.FullName, _trusted);
    }

    private ModelPackage Package(string version, byte seed = 1) => ModelPackage.Create(Packages.Manifest(version: version), Packages.Onnx(seed), _signer);

    [Fact]
    public void Registries_in_one_process_sharing_a_folder_import_the_same_package_at_once()
    {
        // Two silos hosted in one process (a test cluster) install the shipped models into one folder as they start.
        const int Rounds = 200;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var packages = Enumerable.Range(0, Rounds).Select(r => ModelPackage.Create(Packages.Manifest(name: $"shared-{r}", version: "1"), Packages.Onnx(1), _signer)).ToList();
        using var together = new Barrier(4);
        var silos = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            var registry = new ModelRegistry(_root.FullName, _trusted);
            foreach (var package in packages)
            {
                together.SignalAndWait();
                try
                {
                    registry.Import(package);
                }
#pragma warning disable CA1031 // Whatever an import throws is a failure, counted and shown.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failures.Enqueue($"{package.Manifest.Name}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        })).ToList();
        silos.ForEach(static t => t.Start());
        silos.ForEach(static t => t.Join());

        Assert.True(failures.IsEmpty, $"{failures.Count} imports failed: {string.Join("; ", failures.Take(5))}");
        Assert.Equal("1", _registry.Active($"shared-{Rounds - 1}")!.Version);
    }

    [Fact]
    public void An_import_that_finds_another_silos_files_before_its_first_version_was_made_active_makes_it_active()
    {
        _registry.Import(Package("1"));
        // The other silo has written the version's files and not yet its model's state, which makes it serve.
        File.Delete(Path.Combine(_root.FullName, "models", "sensor", "state.json"));
        Assert.Null(_registry.Active("sensor"));

        new ModelRegistry(_root.FullName, _trusted).Import(Package("1"));

        Assert.Equal("1", _registry.Active("sensor")!.Version);
    }

    [Fact]
    public void The_first_version_is_active_and_later_ones_wait_for_promotion()
    {
        _registry.Import(Package("1"));
        _registry.Import(Package("2", seed: 2));

        Assert.Equal([("1", ModelState.Active), ("2", ModelState.Available)], _registry.Versions("sensor").Select(m => (m.Version, m.State)));
        _registry.Promote("sensor", "2");
        Assert.Equal("2", _registry.Active("sensor")!.Version);
        Assert.Equal(ModelState.Available, _registry.Find("sensor", "1")!.State);
    }

    [Fact]
    public void Heads_on_one_backbone_store_it_once_and_it_stays_while_any_head_uses_it()
    {
        var backbone = Packages.Onnx(7);
        _registry.Import(ModelPackage.Create(Packages.OnBackbone("1"), Packages.Onnx(1), _signer, backbone));
        _registry.Import(ModelPackage.Create(Packages.OnBackbone("2"), Packages.Onnx(2), _signer, backbone));
        var blobs = Path.Combine(_root.FullName, "blobs", "sha256");

        Assert.Equal(3, Directory.EnumerateFiles(blobs).Count());
        Assert.Equal(backbone, _registry.Open("parts", "2").Backbone);
        _registry.Promote("parts", "2");
        _registry.Delete("parts", "1");
        Assert.Equal(2, Directory.EnumerateFiles(blobs).Count());
        Assert.Equal(backbone, _registry.Open("parts", "2").Backbone);
    }

    [Fact]
    public void Versions_with_the_same_weights_share_one_blob()
    {
        var first = _registry.Import(Package("1"));
        var second = _registry.Import(Package("2"));

        Assert.Equal(first.BlobPath, second.BlobPath);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_root.FullName, "blobs", "sha256")));
        Assert.EndsWith(first.Manifest.Sha256!, first.BlobPath, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registry_reopened_from_disk_knows_everything()
    {
        _registry.Import(Package("1"));
        _registry.Import(Package("2", seed: 2));
        _registry.Promote("sensor", "2");
        _registry.Deprecate("sensor", "1");

        var reopened = new ModelRegistry(_root.FullName, _trusted);

        Assert.Equal([("1", ModelState.Deprecated), ("2", ModelState.Active)], reopened.List().Select(m => (m.Version, m.State)));
        Assert.Equal(Packages.Onnx(2), reopened.Open("sensor", "2").Onnx);
    }

    [Fact]
    public void The_active_version_cannot_be_deprecated_or_deleted()
    {
        _registry.Import(Package("1"));

        Assert.Throws<InvalidOperationException>(() => _registry.Deprecate("sensor", "1"));
        Assert.Throws<InvalidOperationException>(() => _registry.Delete("sensor", "1"));
    }

    [Fact]
    public void Deleting_the_last_user_of_a_blob_removes_the_blob()
    {
        _registry.Import(Package("1"));
        var second = _registry.Import(Package("2", seed: 2));

        _registry.Delete("sensor", "2");

        Assert.Null(_registry.Find("sensor", "2"));
        Assert.False(File.Exists(second.BlobPath));
        Assert.Single(_registry.List());
    }

    [Fact]
    public void Reimporting_a_version_is_harmless_but_changing_it_is_refused()
    {
        _registry.Import(Package("1"));
        _registry.Import(Package("1"));

        var error = Assert.Throws<InvalidOperationException>(() => _registry.Import(Package("1", seed: 9)));
        Assert.Contains("already registered with other content", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsigned_and_foreign_packages_never_get_in()
    {
        using var stranger = ModelSigner.Generate();
        var foreign = ModelPackage.Create(Packages.Manifest(), Packages.Onnx(), stranger);
        var unsigned = ModelPackage.FromParts(Package("1").ManifestBytes, Packages.Onnx(), null);

        Assert.Throws<ModelVerificationException>(() => _registry.Import(foreign));
        Assert.Throws<ModelVerificationException>(() => _registry.Import(unsigned));
        Assert.Empty(_registry.List());
    }

    [Fact]
    public void A_blob_changed_on_disk_is_caught_when_opened()
    {
        var model = _registry.Import(Package("1"));
        File.WriteAllBytes(model.BlobPath, Packages.Onnx(seed: 5));

        Assert.Throws<ModelVerificationException>(() => _registry.Open("sensor", "1"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("")]
    public void Names_that_could_leave_the_registry_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => _registry.Find(name, "1"));
    }

    public void Dispose()
    {
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}

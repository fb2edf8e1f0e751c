using System.Diagnostics.Metrics;
using IotAi.Models;
using IotAi.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotAi.Inference.Tests;

public sealed class ModelHostTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-host-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ModelRegistry _registry;

    public ModelHostTests()
    {
        _trusted.Add(_signer.ExportPublicKeyPem());
        _registry = new ModelRegistry(_root.FullName, _trusted);
    }

    [Fact]
    public async Task Serves_the_active_version_of_each_model_for_its_kind()
    {
        Import("sensor-anomaly");
        Import("shape-classifier");
        await using var host = Host();

        await host.StartAsync(CancellationToken.None);

        Assert.Equal("sensor-anomaly", host.ForKind(PayloadKind.Telemetry)!.Manifest.Name);
        Assert.Equal("shape-classifier", host.ForKind(PayloadKind.Image)!.Manifest.Name);
        var prediction = await host.ForKind(PayloadKind.Telemetry)!.InferAsync(new float[] { 90, 0.3f, 10 });
        Assert.Equal(1, prediction.LabelIndex);
    }

    [Fact]
    public async Task Refuses_to_serve_a_model_whose_weights_changed_after_signing()
    {
        var model = Import("sensor-anomaly");
        var weights = File.ReadAllBytes(model.BlobPath);
        weights[^10] ^= 0x5A;
        File.WriteAllBytes(model.BlobPath, weights);
        await using var host = Host();

        var error = await Assert.ThrowsAsync<ModelVerificationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains("was altered", error.Message, StringComparison.Ordinal);
    }

    private RegisteredModel Import(string name)
    {
        var folder = Path.Combine(ShippedModels.Directory, name, "1");
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        return _registry.Import(ModelPackage.Create(manifest, File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)), _signer));
    }

    private ModelHost Host() => new(
        Options.Create(new ModelHostOptions { Directory = _root.FullName, KeysDirectory = _root.FullName }),
        _registry,
        NullLogger<ModelHost>.Instance,
        new InferenceTelemetry(_services.GetRequiredService<IMeterFactory>()));

    public void Dispose()
    {
        _services.Dispose();
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}

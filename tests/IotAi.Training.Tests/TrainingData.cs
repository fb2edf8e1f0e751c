using IotAi.Learning;
using IotAi.Models;
using Microsoft.Extensions.Time.Testing;

namespace IotAi.Training.Tests;

/// <summary>
/// A data directory laid out as a silo's, holding one of the shipped models as its version 1, signed by a key of the
/// test's own, with the sample store, snapshots and version data a training run uses; deleted with everything in it.
/// </summary>
internal sealed class TrainingData : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("iotai-training-");
    private readonly ModelSigner _signer = ModelSigner.Generate();
    private readonly TrustedKeys _trusted = new();

    /// <param name="shipped">The shipped model's folder under <c>DefaultModels</c>, such as <c>shape-classifier</c> or <c>resnet18/shape-classifier</c>.</param>
    public TrainingData(string shipped)
        : this()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "DefaultModels", shipped, "1");
        var manifest = ModelManifest.Load(Path.Combine(folder, ModelManifest.FileName));
        var backbone = manifest.Backbone is null ? null : IotAi.Inference.PretrainedBackbone.ResNet18().Onnx;
        Registry.Import(ModelPackage.Create(manifest, File.ReadAllBytes(Path.Combine(folder, ModelManifest.OnnxFileName)), _signer, backbone));
    }

    private TrainingData()
    {
        _trusted.Add(_signer.ExportPublicKeyPem());
        Registry = new ModelRegistry(Path.Combine(_root.FullName, "models"), _trusted);
        Samples = new FileSampleStore(Path.Combine(_root.FullName, "samples"));
    }

    /// <summary>A data directory whose version 1 of <paramref name="model"/> is a head on ResNet18, trained on the first belt's frames in <paramref name="folder"/>.</summary>
    public static TrainingData OnResNet18(string model, string folder, ImagePreprocessing recipe)
    {
        var data = new TrainingData();
        var trained = DatasetTrainer.Train(FolderDataset.Read(folder, recipe, backbone: IotAi.Inference.PretrainedBackbone.ResNet18(), cache: data.Embeddings), model);
        data.Registry.Import(trained.Model.Sign(data._signer));
        return data;
    }

    /// <summary>Where the embeddings of ResNet18 models are kept, shared by the runs of this directory.</summary>
    public EmbeddingCache Embeddings => _embeddings ??= new EmbeddingCache(Path.Combine(_root.FullName, "embeddings"));

    private EmbeddingCache? _embeddings;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    public ModelRegistry Registry { get; }

    public FileSampleStore Samples { get; }

    public DatasetStore Datasets => new(Path.Combine(_root.FullName, "datasets"));

    public VersionDatasets Versions => new(Path.Combine(_root.FullName, "datasets"));

    public TrainingRunner Runner() => new(Samples, Datasets, Versions, Registry, _signer, Clock, Embeddings);

    public void Dispose()
    {
        _signer.Dispose();
        _trusted.Dispose();
        _root.Delete(recursive: true);
    }
}
